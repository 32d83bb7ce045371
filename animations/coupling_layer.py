"""A coupling layer step by step: split, the conditioner computes s and t, transform, merge, and
the inverse, with z_B = x_B ⊙ exp(s(x_A)) + t(x_A) built up alongside (z: the output, as on the
pages).

Every number is from ``export:coupling`` (a 4-D affine coupling of ``explainer``, seeded
conditioner, channel mask)."""

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Create,
    FadeIn,
    FadeOut,
    GrowArrow,
    MathTex,
    RoundedRectangle,
    Square,
    Text,
    TransformFromCopy,
    VGroup,
    Write,
)
from style import ACCENT, FG, GOOD, MUTED, PASS, TRANSFORMED, ExplainerScene, export, fmt, t


def boxes(values, color, size=0.95):
    cells = VGroup()
    for v in values:
        box = Square(size, color=color, stroke_width=3, fill_color=color, fill_opacity=0.15)
        box.add(Text(fmt(v), font_size=22 * size / 0.95).move_to(box))
        cells.add(box)
    return cells.arrange(RIGHT, buff=0.08)


class CouplingLayer(ExplainerScene):
    scene_key = "coupling_layer"
    label_corner = UP + RIGHT  # the title is top left

    def construct(self):
        d = export("coupling")
        mask = d["mask"].astype(bool)
        title = self.title()
        title.to_corner(UP + LEFT, buff=0.3)
        label = None

        self.step("input")
        label = self.step_label("input", label)
        x_row = boxes(d["x"], FG).move_to(UP * 2.0)
        x_name = MathTex("x", font_size=44).next_to(x_row, LEFT, buff=0.35)
        self.play(FadeIn(x_row, shift=DOWN * 0.3), Write(x_name), run_time=1.0)
        self.wait(0.4)

        self.step("split")
        label = self.step_label("split", label)
        x_a = boxes(d["x_A"], PASS).move_to(UP * 2.0 + LEFT * 3.6)
        x_b = boxes(d["x_B"], TRANSFORMED).move_to(UP * 2.0 + RIGHT * 3.0)
        a_src = VGroup(*[x_row[i] for i in range(len(mask)) if mask[i]])
        b_src = VGroup(*[x_row[i] for i in range(len(mask)) if not mask[i]])
        name_a = MathTex("x_A", font_size=40, color=PASS).next_to(x_a, LEFT, buff=0.3)
        name_b = MathTex("x_B", font_size=40, color=TRANSFORMED).next_to(x_b, RIGHT, buff=0.3)
        self.play(
            a_src.animate.become(x_a),
            b_src.animate.become(x_b),
            x_name.animate.become(name_a),
            FadeIn(name_b),
            run_time=1.2,
        )
        formula_a = MathTex("z_A", "=", "x_A", font_size=40).move_to(DOWN * 2.35 + LEFT * 4.3)
        formula_a[0].set_color(PASS)
        formula_a[2].set_color(PASS)
        self.play(Write(formula_a), run_time=0.7)
        self.wait(0.3)

        self.step("conditioner")
        label = self.step_label("conditioner", label)
        net = RoundedRectangle(corner_radius=0.15, width=2.2, height=0.9, color=MUTED, fill_opacity=0.1)
        net.move_to(LEFT * 3.6 + UP * 0.35)
        net_name = Text(t("coupling_layer.network"), font_size=22).move_to(net)
        to_net = Arrow(a_src.get_bottom(), net.get_top(), buff=0.08, color=PASS, stroke_width=3)
        s_row = boxes(d["s"], ACCENT, size=0.8).move_to(RIGHT * 0.9 + UP * 0.8)
        t_row = boxes(d["t"], ACCENT, size=0.8).move_to(RIGHT * 0.9 + DOWN * 0.1)
        s_name = MathTex("s(x_A)", font_size=34, color=ACCENT).next_to(s_row, LEFT, buff=0.2)
        t_name = MathTex("t(x_A)", font_size=34, color=ACCENT).next_to(t_row, LEFT, buff=0.2)
        net_out = Arrow(net.get_right(), VGroup(s_name, t_name).get_left(), buff=0.08, color=ACCENT, stroke_width=3)
        self.play(GrowArrow(to_net), Create(net), FadeIn(net_name), run_time=0.8)
        self.play(GrowArrow(net_out), FadeIn(s_row), FadeIn(t_row), Write(s_name), Write(t_name), run_time=1.0)
        self.wait(0.4)

        self.step("transform")
        label = self.step_label("transform", label)
        formula_b = MathTex("z_B", "=", "x_B", r"\odot", r"\exp(s(x_A))", "+", "t(x_A)", font_size=40)
        formula_b.move_to(DOWN * 2.35 + RIGHT * 1.6)
        formula_b[0].set_color(TRANSFORMED)
        formula_b[2].set_color(TRANSFORMED)
        formula_b[4].set_color(ACCENT)
        formula_b[6].set_color(ACCENT)
        y_b = boxes(d["y"][~mask], TRANSFORMED).move_to(RIGHT * 3.0 + DOWN * 1.2)
        y_b_name = MathTex("z_B", font_size=40, color=TRANSFORMED).next_to(y_b, RIGHT, buff=0.3)
        self.play(Write(formula_b[:5]), run_time=0.9)
        self.play(Write(formula_b[5:]), run_time=0.6)
        self.play(TransformFromCopy(VGroup(b_src, s_row, t_row), y_b), FadeIn(y_b_name), run_time=1.1)
        self.wait(0.4)

        self.step("merge")
        label = self.step_label("merge", label)
        y_a = boxes(d["y"][mask], PASS).move_to(LEFT * 3.6 + DOWN * 1.2)
        y_a_name = MathTex("z_A", font_size=40, color=PASS).next_to(y_a, LEFT, buff=0.3)
        self.play(TransformFromCopy(a_src, y_a), FadeIn(y_a_name), run_time=0.9)
        y_row = boxes(d["y"], FG).move_to(DOWN * 1.2 + LEFT * 0.3)
        y_name = MathTex("z", font_size=44).next_to(y_row, LEFT, buff=0.35)
        self.play(
            VGroup(y_a, y_b).animate.become(y_row), FadeOut(y_a_name), FadeOut(y_b_name), FadeIn(y_name), run_time=1.0
        )
        self.wait(0.4)

        self.step("inverse")
        label = self.step_label("inverse", label)
        inverse = MathTex("x_B", "=", r"(z_B - t(z_A))", r"\odot", r"\exp(-s(z_A))", font_size=40)
        inverse.move_to(DOWN * 3.15).align_to(formula_b, LEFT).shift(LEFT * 0.9)
        inverse[0].set_color(TRANSFORMED)
        recovered = boxes(d["x_inverse"][~mask], GOOD, size=0.7).next_to(inverse, RIGHT, buff=0.3)
        check = Text("✓", font_size=34, color=GOOD).next_to(recovered, RIGHT, buff=0.12)
        note = Text(t("coupling_layer.never_inverted"), font_size=22, color=MUTED)
        note.next_to(title, DOWN, buff=0.12, aligned_edge=LEFT)
        self.play(Write(inverse), run_time=1.0)
        self.play(FadeIn(recovered, shift=LEFT * 0.2), FadeIn(check), FadeIn(note), run_time=0.8)
        self.wait(1.5)
