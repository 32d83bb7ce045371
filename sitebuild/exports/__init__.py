r"""Arrays the Manim scenes draw, computed by the package and written as ``.npz`` exports.

Every point, grid line and trajectory in an animation comes from here, never from hand-made
coordinates. Each export is a pipeline target (kind ``"export"``) that writes
``.cache/pipeline/exports/<name>.npz``; the animation targets (:mod:`sitebuild.media`) pass
the path to the scene, and a scene only reads it (``construct`` never trains).

Exports (target name → file, what it holds):

- ``export:change-of-variables`` → ``change_of_variables.npz``: a grid of cells pushed through the
  affine coupling of note 002 §10.2 (:math:`z_1 = x_1,\ z_2 = x_2 e^{0.5 x_1} + 0.2 x_1`) along the
  homotopy :math:`f_\alpha` (conditioner scaled by :math:`\alpha \in [0, 1]`), the density carried by
  every cell, and two marked cells whose area ratio is compared with :math:`|\det J_f|`.
- ``export:coupling`` → ``coupling.npz``: one 4-D affine coupling (channel mask, seeded
  conditioner) at one point: :math:`x_A, x_B, s, t, y`, the inverse, and the autograd Jacobian.
- ``export:masks`` → ``masks.npz``: an 8×8 digit, its checkerboard mask, the squeeze to 4×4×4
  (where every pixel goes) and the channel mask of the squeezed image.
- ``export:realnvp-layers`` → ``realnvp_layers.npz``: moons points and a grid through every layer
  of the trained RealNVP (``model:realnvp-moons``), forwards (data → latent) and backwards.
- ``export:fm`` → ``fm.npz``: ODE trajectories of the trained velocity field (``model:fm-moons``)
  from noise to data, the field on a grid at several times, and Euler with few vs many steps.
- ``export:digits-scales`` → ``digits_scales.npz``: one test digit through the scales of both digits models.
- ``export:comparison`` → ``comparison.npz``: the same noise carried to moons by the RealNVP
  (layer by layer) and by flow matching (along the ODE).
- ``export:reflow`` → ``reflow.npz``: the same noise carried on 8gaussians by the 1-rectified flow
  and by the 2-rectified flow one reflow made of it (RK4 paths, one Euler step, straightness,
  energy distances).
"""
