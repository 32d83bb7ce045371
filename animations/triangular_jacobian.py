"""The triangular Jacobian of a coupling layer: which entries are zero and why, and why the
determinant is the product of the diagonal.

The matrix is the autograd Jacobian of ``explainer``'s AffineCoupling at one point
(``export:coupling``), with its slogdet."""

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, FadeIn, Indicate, MathTex, SurroundingRectangle, Text, VGroup, Write
from style import ACCENT, FG, GOOD, MUTED, PASS, TRANSFORMED, ExplainerScene, export, fmt, t


class TriangularJacobian(ExplainerScene):
    scene_key = "triangular_jacobian"

    def construct(self):
        d = export("coupling")
        jac = d["jacobian"]
        n = jac.shape[0]
        mask = d["mask"].astype(bool)
        a_idx, b_idx = np.flatnonzero(mask), np.flatnonzero(~mask)
        order = np.concatenate([a_idx, b_idx])  # rows/columns: A part first, then B
        j = jac[np.ix_(order, order)]
        self.title()
        label = None

        # exact zeros and ones (the identity block) are printed as such: they are exact, not rounded
        entries = VGroup(*[Text("0" if v == 0 else "1" if v == 1 else fmt(v), font_size=30) for v in j.reshape(-1)])
        entries.arrange_in_grid(n, n, buff=(0.55, 0.38))
        entries.move_to(LEFT * 3.0 + UP * 0.35)

        def bracket(side):
            h = entries.height + 0.3
            x = entries.get_left()[0] - 0.2 if side < 0 else entries.get_right()[0] + 0.2
            y = entries.get_center()[1]
            hook = 0.15 * (1 if side < 0 else -1)
            pts = [[x + hook, y + h / 2, 0], [x, y + h / 2, 0], [x, y - h / 2, 0], [x + hook, y - h / 2, 0]]
            from manim import VMobject

            return VMobject().set_points_as_corners(pts).set_stroke(FG, 3)

        matrix = VGroup(entries, bracket(-1), bracket(1))
        cell = lambda r, c: entries[r * n + c]
        na = len(a_idx)
        cols = VGroup(
            MathTex("x_A", color=PASS, font_size=34).next_to(VGroup(cell(0, 0), cell(0, na - 1)), UP, buff=0.35),
            MathTex("x_B", color=TRANSFORMED, font_size=34).next_to(VGroup(cell(0, na), cell(0, n - 1)), UP, buff=0.35),
        )
        rows = VGroup(
            MathTex("z_A", color=PASS, font_size=34).next_to(VGroup(cell(0, 0), cell(na - 1, 0)), LEFT, buff=0.75),
            MathTex("z_B", color=TRANSFORMED, font_size=34).next_to(
                VGroup(cell(na, 0), cell(n - 1, 0)), LEFT, buff=0.75
            ),
        )
        jname = MathTex(r"J = \frac{\partial z}{\partial x}", font_size=40).next_to(matrix, DOWN, buff=0.45)
        caption = Text(t("triangular_jacobian.autograd"), font_size=22, color=MUTED).next_to(jname, DOWN, buff=0.15)

        def block(r0, r1, c0, c1):
            return VGroup(*[cell(r, c) for r in range(r0, r1) for c in range(c0, c1)])

        notes = VGroup()
        note_anchor = RIGHT * 0.9 + UP * 2.3

        def note(*mobs):
            g = VGroup(*mobs).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
            if len(notes):
                g.next_to(notes, DOWN, buff=0.4, aligned_edge=LEFT)
            else:
                g.move_to(note_anchor, aligned_edge=UP + LEFT)
            if g.get_right()[0] > 6.9:  # keep every note inside the frame
                g.scale_to_fit_width(6.9 - g.get_left()[0], about_edge=LEFT)
            notes.add(g)
            return g

        self.step("matrix")
        label = self.step_label("matrix", label)
        self.play(FadeIn(matrix), FadeIn(cols), FadeIn(rows), Write(jname), FadeIn(caption), run_time=1.2)
        self.wait(1.0)

        self.step("zeros")
        label = self.step_label("zeros", label)
        zeros = block(0, na, na, n)
        box = SurroundingRectangle(zeros, color=ACCENT, buff=0.12)
        n1 = note(
            Text(t("triangular_jacobian.zero_block"), font_size=26, color=ACCENT),
            MathTex(r"z_A = x_A \;\Rightarrow\; \frac{\partial z_A}{\partial x_B} = 0", font_size=36, color=ACCENT),
        )
        self.play(FadeIn(box), zeros.animate.set_color(ACCENT), FadeIn(n1, shift=LEFT * 0.2), run_time=1.0)
        self.play(Indicate(zeros, color=ACCENT, scale_factor=1.15), run_time=0.8)
        self.wait(0.8)

        self.step("lower")
        label = self.step_label("lower", label)
        lower = block(na, n, 0, na)
        ident = block(0, na, 0, na)
        box_lower = SurroundingRectangle(lower, color=MUTED, buff=0.12)
        box_ident = SurroundingRectangle(ident, color=PASS, buff=0.12)
        n2 = note(
            Text(t("triangular_jacobian.identity_block"), font_size=24, color=PASS),
            Text(t("triangular_jacobian.dense_block"), font_size=24, color=MUTED),
        )
        self.play(
            FadeIn(box_ident),
            FadeIn(box_lower),
            lower.animate.set_opacity(0.45),
            FadeIn(n2, shift=LEFT * 0.2),
            run_time=1.0,
        )
        self.wait(1.2)

        self.step("diagonal")
        label = self.step_label("diagonal", label)
        diag = VGroup(*[cell(i, i) for i in range(n)])
        s = d["s"]
        exp_terms = r" \cdot ".join(["1"] * na + [rf"e^{{{fmt(v).replace('−', '-')}}}" for v in s])
        det_line = MathTex(rf"\det J = {exp_terms} = {fmt(float(d['det']), 3)}", font_size=34, color=GOOD)
        log_line = MathTex(
            rf"\log|\det J| = \textstyle\sum_i s_i = {fmt(float(d['logabsdet']), 3)}", font_size=30, color=GOOD
        )
        check = Text(t("triangular_jacobian.check", value=fmt(float(d["slogdet"]), 3)), font_size=22, color=MUTED)
        n3 = note(Text(t("triangular_jacobian.diag_block"), font_size=26, color=GOOD), det_line, log_line, check)
        self.play(diag.animate.set_color(GOOD), *[Indicate(m, color=GOOD) for m in diag], run_time=1.0)
        self.play(FadeIn(n3, shift=LEFT * 0.2), run_time=1.0)
        self.wait(2.2)
