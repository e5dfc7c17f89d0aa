"""blogger"""
