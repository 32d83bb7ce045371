"""Flow matching: noise flows to data along the ODE dx/dt = v(x, t) of the trained velocity field,
drawn as it changes with t; then Euler with few vs many steps.

Trajectories (RK4), the field on a grid at several times, the Euler runs and their energy
distances to the data all come from ``export:fm`` (``model:fm-moons``, ``explainer.matching.solve``)."""

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    Dot,
    FadeIn,
    FadeOut,
    Line,
    ManimColor,
    MathTex,
    Text,
    ValueTracker,
    VGroup,
    interpolate_color,
    linear,
)
from style import ACCENT, MUTED, NOISE, ExplainerScene, Panel, export, fmt, hue_colours, polyline, t


def interpolate(states: np.ndarray, times: np.ndarray, tau: float) -> np.ndarray:
    """States at time ``tau`` by linear interpolation between the recorded times."""
    i = int(np.clip(np.searchsorted(times, tau) - 1, 0, len(times) - 2))
    a = float(np.clip((tau - times[i]) / (times[i + 1] - times[i]), 0.0, 1.0))
    return (1 - a) * states[i] + a * states[i + 1]


class FlowMatching(ExplainerScene):
    scene_key = "flow_matching"

    def construct(self):
        d = export("fm")
        traj, times = d["trajectory"], d["t"]
        field_x, field_t, field_v = d["field_x"], d["field_t"], d["field_v"]
        panel = Panel((-2.6, -0.3), 0.78, 4.0)
        self.title()
        label = None
        frame = panel.frame()

        speed = np.linalg.norm(field_v, axis=-1).max()
        arrow_scale = 0.6 / speed  # data units per unit of velocity: the longest arrow is 0.6

        arrows = VGroup(*[Line(panel(p), panel(p) + 1e-3 * RIGHT, stroke_width=2, color=MUTED) for p in field_x])

        def draw_field(tau):
            v = interpolate(field_v, field_t, tau)
            for arrow, p, vel in zip(arrows, field_x, v):
                start, end = panel(p), panel(p + arrow_scale * vel)
                arrow.put_start_and_end_on(start, end if np.linalg.norm(end - start) > 1e-3 else start + 1e-3 * RIGHT)
                arrow.set_stroke(MUTED, 2, opacity=0.35 + 0.65 * float(np.linalg.norm(vel)) / speed)

        # a small head on every arrow: a dot at its tip keeps the field light to draw
        heads = VGroup(*[Dot(radius=0.025, color=MUTED) for _ in field_x])

        def draw_heads():
            for head, arrow in zip(heads, arrows):
                head.move_to(arrow.get_end())

        colours = hue_colours(traj[-1][:, 0])
        dots = VGroup(*[Dot(panel(p), radius=0.04, color=NOISE) for p in traj[0]])
        start_colour = ManimColor(NOISE)
        tau = ValueTracker(0.0)
        draw_field(0.0)
        draw_heads()

        clock = Text("t = 0.00", font_size=30).move_to(RIGHT * 3.6 + UP * 1.4, aligned_edge=LEFT)
        noise = Text(t("flow_matching.noise"), font_size=26, color=NOISE).move_to(
            RIGHT * 2.6 + UP * 2.4, aligned_edge=LEFT
        )
        field = Text(t("flow_matching.field"), font_size=26, color=MUTED).next_to(
            noise, DOWN, buff=0.2, aligned_edge=LEFT
        )
        ode = MathTex(r"\frac{dx}{dt} = v_\theta(x, t)", font_size=40).move_to(RIGHT * 4.2 + DOWN * 0.2)

        self.step("noise")
        label = self.step_label("noise", label)
        self.play(
            FadeIn(frame),
            FadeIn(arrows),
            FadeIn(heads),
            FadeIn(dots),
            FadeIn(noise),
            FadeIn(field),
            FadeIn(ode),
            run_time=1.0,
        )
        self.wait(0.6)

        self.step("flow")
        label = self.step_label("flow", label)
        clock.move_to(field, aligned_edge=LEFT).shift(DOWN * 0.6)
        self.add(clock)

        def update_all(_):
            s = tau.get_value()
            draw_field(s)
            draw_heads()
            pts = panel(interpolate(traj, times, s))
            for dot, p, c in zip(dots, pts, colours):
                dot.move_to(p).set_color(interpolate_color(start_colour, c, s))
            clock.become(Text(f"t = {s:.2f}", font_size=30).move_to(clock, aligned_edge=LEFT))

        dots.add_updater(update_all)
        self.play(tau.animate.set_value(1.0), run_time=4.5, rate_func=linear)
        dots.clear_updaters()
        self.wait(0.5)

        self.step("trajectories")
        label = self.step_label("trajectories", label)
        chosen = np.linspace(0, traj.shape[1] - 1, 70).astype(int)
        paths = VGroup(*[polyline(panel(traj[:, i]), colours[i], 1.5, 0.7) for i in chosen])
        self.play(FadeOut(arrows), FadeOut(heads), Create(paths, lag_ratio=0.02), run_time=1.4)
        self.wait(0.6)

        self.step("euler")
        label = self.step_label("euler", label)
        self.play(
            FadeOut(paths),
            FadeOut(dots),
            FadeOut(frame),
            FadeOut(clock),
            FadeOut(noise),
            FadeOut(field),
            FadeOut(ode),
            run_time=0.5,
        )
        few, many = d["euler_few"], d["euler_many"]
        panels = (Panel((-3.5, -0.2), 0.62, 4.0), Panel((3.5, -0.2), 0.62, 4.0))
        groups = VGroup()
        for pnl, states, ed in ((panels[0], few, d["ed_few"]), (panels[1], many, d["ed_many"])):
            head = Text(t("flow_matching.euler", steps=len(states) - 1), font_size=26)
            head.next_to(pnl.frame(), UP, buff=0.1)
            score = Text(t("flow_matching.energy", value=fmt(float(ed), 3)), font_size=22, color=ACCENT)
            score.next_to(pnl.frame(), DOWN, buff=0.1)
            lines = VGroup(*[polyline(pnl(states[:, i]), colours[i], 1.5, 0.8) for i in chosen])
            # grey: data samples (where the points should land); coloured: where Euler puts them
            ends = VGroup(
                *[Dot(pnl(p), radius=0.022, color=MUTED, fill_opacity=0.6) for p in d["data"]],
                *[Dot(pnl(p), radius=0.03, color=c) for p, c in zip(states[-1], colours)],
            )
            groups.add(VGroup(pnl.frame(), head, lines, ends, score))
        self.play(*[FadeIn(VGroup(g[0], g[1])) for g in groups], run_time=0.4)
        self.play(*[Create(g[2], lag_ratio=0.01) for g in groups], run_time=1.4)
        self.play(*[FadeIn(g[3]) for g in groups], *[FadeIn(g[4]) for g in groups], run_time=0.6)
        self.wait(1.8)
