"""Trained-model targets (kind ``"model"``): every model the pages show, trained once, seeded.

- :mod:`.flows2d`: RealNVP on moons (and its same-mask twin, the depth sweep), the single-coupling
  models, the scale-parametrisation runs;
- :mod:`.fm`: the flow-matching velocity fields on 8gaussians and moons;
- :mod:`.digits`: the multi-scale RealNVP and Glow on the 8×8 digits;
- :mod:`.comparison`: ``model:comparison``, the RealNVP / NSF / flow-matching experiment (and its CLI).
"""
