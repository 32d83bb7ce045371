"""The change of variables: a grid carrying a density is deformed by a map f; each cell keeps its
probability mass, so its density changes by the factor its area changes, which is |det J_f|.

Cells, densities and the marked cells' area ratios come from ``export:change-of-variables``
(the affine coupling of note 002 §10.2, run through ``explainer``'s AffineCoupling)."""

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    FadeIn,
    FadeTransform,
    MathTex,
    Text,
    ValueTracker,
    VGroup,
    VMobject,
    Write,
    config,
    linear,
)
from style import ACCENT, GOOD, GRID, MUTED, PASS, ExplainerScene, Panel, export, fmt, t

MARK_COLOURS = (ACCENT, GOOD)


class ChangeOfVariables(ExplainerScene):
    scene_key = "change_of_variables"

    def construct(self):
        d = export("change_of_variables")
        polygons, density = d["polygons"], d["density"]
        marked = d["marked_polygons"]
        stages = len(d["alpha"])
        top = float(density.max())
        panel = Panel((-3.1, -0.3), 0.88, 3.6)
        self.title()
        label = None

        def stage_arrays(k: float):
            i = min(int(np.floor(k)), stages - 2)
            a = k - i
            return (
                (1 - a) * polygons[i] + a * polygons[i + 1],
                (1 - a) * density[i] + a * density[i + 1],
                (1 - a) * marked[i] + a * marked[i + 1],
            )

        cells = VGroup(*[VMobject() for _ in range(polygons.shape[1])])
        marks = VGroup(*[VMobject() for _ in range(marked.shape[1])])

        def draw(k: float):
            poly, dens, mark = stage_arrays(k)
            for cell, p, rho in zip(cells, poly, dens):
                cell.set_points_as_corners(np.vstack([panel(p), panel(p[:1])]))
                cell.set_fill(PASS, opacity=0.9 * float(rho) / top).set_stroke(GRID, 1.5)
            for m, p, colour in zip(marks, mark, MARK_COLOURS):
                m.set_points_as_corners(np.vstack([panel(p), panel(p[:1])]))
                m.set_fill(colour, opacity=0.35).set_stroke(colour, 3)

        k = ValueTracker(0.0)
        draw(0.0)
        frame = panel.frame()
        space = Text(t("change_of_variables.x_space"), font_size=24, color=MUTED)
        space.next_to(frame, UP, buff=0.1).align_to(frame, LEFT)

        formula = MathTex(r"p_X(x)", "=", r"p_Z(f(x))", r"\,\bigl|\det J_f(x)\bigr|", font_size=40)
        formula[3].set_color(ACCENT)
        formula.move_to(RIGHT * 3.6 + UP * 2.2)
        a, b = float(d["s_slope"]), float(d["t_slope"])
        caption = Text(t("change_of_variables.map"), font_size=22, color=MUTED)
        room = 2 * (config.frame_x_radius - 0.25 - formula.get_center()[0])  # centred under the formula
        if caption.width > room:  # a long caption in some language: smaller, inside the frame
            caption.scale_to_fit_width(room)
        the_map = VGroup(
            caption,
            MathTex(rf"z_1 = x_1,\quad z_2 = x_2\, e^{{{a:g} x_1}} + {b:g}\, x_1", font_size=32, color=MUTED),
        )
        the_map.arrange(DOWN, aligned_edge=LEFT, buff=0.12).next_to(formula, DOWN, buff=0.3)

        self.step("grid")
        label = self.step_label("grid", label)
        self.play(
            FadeIn(frame), FadeIn(cells), FadeIn(marks), FadeIn(space), Write(formula), FadeIn(the_map), run_time=1.2
        )
        self.wait(1.0)

        self.step("map")
        label = self.step_label("map", label)
        cells.add_updater(lambda _: draw(k.get_value()))
        new_space = Text(t("change_of_variables.z_space"), font_size=24, color=MUTED).move_to(space, aligned_edge=LEFT)
        self.play(k.animate.set_value(stages - 1), FadeTransform(space, new_space), run_time=3.5, rate_func=linear)
        cells.clear_updaters()
        draw(stages - 1)
        self.wait(0.5)

        self.step("area")
        label = self.step_label("area", label)
        readouts = VGroup()
        for i, colour in enumerate(MARK_COLOURS):
            ratio = float(d["marked_area_ratio"][i])
            det = float(d["marked_det"][i])
            centre = d["marked_centres"][i]
            line1 = Text(t("change_of_variables.area", ratio=fmt(ratio, 3)), font_size=26, color=colour)
            line2 = Text(t("change_of_variables.det", det=fmt(det, 3)), font_size=26, color=colour)
            where = MathTex(
                rf"x = ({fmt(centre[0], 1)},\ {fmt(centre[1], 1)})".replace("−", "-"), font_size=30, color=colour
            )
            readouts.add(VGroup(where, line1, line2).arrange(DOWN, aligned_edge=LEFT, buff=0.12))
        readouts.arrange(DOWN, aligned_edge=LEFT, buff=0.45).next_to(the_map, DOWN, buff=0.6).align_to(the_map, LEFT)
        for r in readouts:
            self.play(FadeIn(r, shift=LEFT * 0.2), run_time=0.7)
        self.wait(2.2)
