"""A classroom kit: hand out the notebooks without solutions, and grade what comes back.

`python -m helpers.classroom student OUT` (`make student`) writes the student copy;
`python -m helpers.classroom grade DIR` (`make grade DIR=...`) runs a folder of completed
notebooks and prints which exercises pass.
"""
