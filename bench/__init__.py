"""`make bench`: the performance targets , measured in one run.

`python -m bench.run` drives the real command line in subprocesses against a mock
Blogger served from another process, so the numbers are what a maintainer's cron
job would see (interpreter start-up included) and the server's CPU and memory are
not charged to the archiver. Results go to `bench/results.json` and
`bench/RESULTS.md`; nothing here is a timed test.
"""
