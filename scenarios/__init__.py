"""Partner-event scenarios (the 2020 letter) and the figures they are held to.

May import the domain only: a scenario decides what happens, the pipeline computes the figures.
"""
