"""Shared code for the notebooks of "Python and the Web".

A notebook shows an idea; the module here keeps it correct and reusable:
`helpers.net` runs servers in the background on loopback, `helpers.services` starts throwaway
PostgreSQL and Redis servers there, `helpers.exercises` checks exercises,
`helpers.environment` checks that the collection is set up.
"""
