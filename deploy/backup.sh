#!/bin/sh
# Usage: backup.sh ARCHIVE.db BACKUP_DIR — a consistent copy with VACUUM INTO,
# named by date, plus the WARC folder synced (raw data is what rebuilds everything).
set -eu
db="$1"; dest="$2"
mkdir -p "$dest"
day=$(date +%Y-%m-%d)
rm -f "$dest/archive-$day.db"
python3 - "$db" "$dest/archive-$day.db" <<'PY'
import sqlite3, sys
src, out = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
conn.execute("VACUUM INTO ?", (out,))
conn.close()
PY
rsync -a "$(dirname "$db")/raw/" "$dest/raw/" 2>/dev/null || cp -rn "$(dirname "$db")/raw/." "$dest/raw/"
find "$dest" -maxdepth 1 -name 'archive-*.db' -mtime +14 -delete
