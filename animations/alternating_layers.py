"""Alternating coupling layers: the moons data and a grid flowing through a trained RealNVP, layer
by layer, to a Gaussian; then sampling runs the layers backwards.

Every position is a layer output of the trained flow (``model:realnvp-moons``), taken from
``Flow.forward/inverse(..., return_intermediates=True)`` by ``export:realnvp-layers``."""

from manim import (
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Circle,
    Dot,
    FadeIn,
    FadeOut,
    MathTex,
    Text,
    UpdateFromAlphaFunc,
    VGroup,
    smooth,
)
from style import ACCENT, GRID, MUTED, NOISE, PASS, TRANSFORMED, ExplainerScene, Panel, export, hue_colours, polyline, t


class AlternatingLayers(ExplainerScene):
    scene_key = "alternating_layers"

    def construct(self):
        d = export("realnvp_layers")
        forward, grid, inverse = d["forward"], d["grid_forward"], d["inverse"]
        moved = d["transformed"]
        n_layers = len(moved)
        panel = Panel((-2.7, -0.25), 0.68, 4.6)
        self.title()
        label = None
        frame = panel.frame()

        colours = hue_colours(forward[0][:, 0])
        dots = VGroup(*[Dot(panel(p), radius=0.035, color=c) for p, c in zip(forward[0], colours)])
        lines = VGroup(*[polyline(panel(line), GRID, 1.5, 0.9) for line in grid[0]])

        def move(points, lines_from=None, lines_to=None):
            start = [dot.get_center() for dot in dots]
            end = panel(points)

            def update(group, alpha):
                a = smooth(alpha)
                for dot, s, e in zip(group, start, end):
                    dot.move_to((1 - a) * s + a * e)
                if lines_from is not None:
                    for line, p0, p1 in zip(lines, lines_from, lines_to):
                        line.set_points_as_corners(panel((1 - a) * p0 + a * p1))

            return UpdateFromAlphaFunc(dots, update)

        info = VGroup()
        side_x = 2.3

        def side_text(key, **kw):
            text = Text(t(key, **kw), font_size=26)
            room = 6.9 - side_x  # keep inside the frame
            return text.scale_to_fit_width(room) if text.width > room else text

        tag = side_text("alternating_layers.data").move_to(RIGHT * side_x + UP * 2.3, aligned_edge=LEFT)

        self.step("data")
        label = self.step_label("data", label)
        self.play(FadeIn(frame), FadeIn(lines), FadeIn(dots), FadeIn(tag), run_time=1.0)
        self.wait(0.6)

        self.step("layers")
        label = self.step_label("layers", label)
        names = ("x_1", "x_2")
        layer_text = side_text("alternating_layers.layer", k=0, n=n_layers).move_to(
            RIGHT * side_x + UP * 1.2, aligned_edge=LEFT
        )
        self.add(layer_text)
        for k in range(n_layers):
            m = int(moved[k])
            new_layer = side_text("alternating_layers.layer", k=k + 1, n=n_layers).move_to(
                layer_text, aligned_edge=LEFT
            )
            what = VGroup(
                MathTex(names[m], color=TRANSFORMED, font_size=40),
                MathTex(r"\mid", font_size=40, color=MUTED),
                MathTex(names[1 - m], color=PASS, font_size=40),
            ).arrange(RIGHT, buff=0.15)
            direction = UP if m == 1 else RIGHT
            arrow = Arrow(-direction * 0.5, direction * 0.5, buff=0, color=TRANSFORMED, stroke_width=5)
            row = VGroup(what, arrow).arrange(RIGHT, buff=0.4).move_to(RIGHT * side_x + UP * 0.3, aligned_edge=LEFT)
            self.remove(layer_text, *info)
            layer_text = new_layer
            info = VGroup(row)
            self.add(layer_text, info)
            self.play(move(forward[k + 1], grid[k], grid[k + 1]), run_time=0.75)
            self.wait(0.12)

        self.step("latent")
        label = self.step_label("latent", label)
        rings = VGroup(
            *[Circle(radius=r * panel.scale, color=ACCENT, stroke_width=2).move_to(panel((0, 0))) for r in (1, 2)]
        )
        latent = side_text("alternating_layers.latent").move_to(tag, aligned_edge=LEFT)
        self.play(FadeIn(rings), FadeOut(tag), FadeIn(latent), FadeOut(info), FadeOut(layer_text), run_time=0.8)
        self.wait(1.0)

        self.step("sampling")
        label = self.step_label("sampling", label)
        sample_colours = hue_colours(inverse[-1][:, 0])
        new_dots = VGroup(*[Dot(panel(p), radius=0.035, color=NOISE) for p in inverse[0]])
        sampling = side_text("alternating_layers.sampling").move_to(tag, aligned_edge=LEFT)
        self.play(FadeOut(dots), FadeOut(lines), FadeIn(new_dots), FadeOut(latent), FadeIn(sampling), run_time=0.8)
        dots = new_dots
        for k in range(n_layers):
            self.play(move(inverse[k + 1]), run_time=0.3)
        self.play(*[dot.animate.set_color(c) for dot, c in zip(dots, sample_colours)], FadeOut(rings), run_time=0.6)
        self.wait(1.2)
