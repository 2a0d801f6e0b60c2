"""The operator's layer: the command line, the registry of services and the supervisor, the
development infrastructure, the simulated clock, replay, erasure, the demo and the report.

The top of the house: it may import everything (the library and every service); nothing
imports it. Only here are services composed with each other.
"""
