"""Reflow straightens the paths: the same noise carried by the flow trained on independent pairs
(left) and by the flow one reflow made of it (right); their straightness, then one Euler step.

Everything comes from ``export:reflow`` (the trained ``model:comparison-fm-8gaussians`` and
``model:fmdepth-reflow-8gaussians`` of seed 0: RK4 trajectories, one-step samples, straightness
and energy distances)."""

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Create, Dot, FadeIn, FadeOut, Line, Text, ValueTracker, VGroup, linear
from style import ACCENT, MUTED, NOISE, ExplainerScene, Panel, export, fmt, hue_colours, polyline, t

SIDES = ("before", "after")
HEADS = {"before": "reflow.before", "after": "reflow.after"}  # each panel's heading
SHOWN = 300  # one-step samples and data points drawn per panel (the energy distances use all of them)


def interpolate(states: np.ndarray, times: np.ndarray, tau: float) -> np.ndarray:
    """States at time ``tau`` by linear interpolation between the recorded times."""
    i = int(np.clip(np.searchsorted(times, tau) - 1, 0, len(times) - 2))
    a = float(np.clip((tau - times[i]) / (times[i + 1] - times[i]), 0.0, 1.0))
    return (1 - a) * states[i] + a * states[i + 1]


class Reflow(ExplainerScene):
    scene_key = "reflow"
    label_corner = UP + RIGHT  # the title sits top left

    def construct(self):
        d = export("reflow")
        times = d["t"]
        panels = {"before": Panel((-3.4, 0.1), 0.47, 4.2), "after": Panel((3.4, 0.1), 0.47, 4.2)}
        paths = {s: d[f"{s}_paths"] for s in SIDES}
        # coloured by where the first flow takes each point (its angle): the same noise, the same colour
        end = paths["before"][-1]
        colours = hue_colours(np.arctan2(end[:, 1], end[:, 0]))
        self.title().to_edge(LEFT, buff=0.3)
        label = None
        frames = VGroup(*[panels[s].frame() for s in SIDES])
        heads = VGroup(*[Text(t(HEADS[s]), font_size=24).next_to(panels[s].frame(), UP, buff=0.1) for s in SIDES])
        dots = {s: VGroup(*[Dot(panels[s](p), radius=0.035, color=NOISE) for p in paths[s][0]]) for s in SIDES}

        self.step("noise")
        label = self.step_label("noise", label)
        self.play(FadeIn(frames), FadeIn(heads), *[FadeIn(dots[s]) for s in SIDES], run_time=1.0)

        self.step("paths")
        label = self.step_label("paths", label)
        lines = {
            s: VGroup(*[polyline(panels[s](paths[s][:, i]), colours[i], 1.4, 0.7) for i in range(len(colours))])
            for s in SIDES
        }
        tau = ValueTracker(0.0)

        def move(_):
            for s in SIDES:
                for dot, p, c in zip(dots[s], panels[s](interpolate(paths[s], times, tau.get_value())), colours):
                    dot.move_to(p).set_color(c)

        dots["before"].add_updater(move)
        self.play(
            tau.animate.set_value(1.0),
            *[Create(lines[s], lag_ratio=0.0) for s in SIDES],
            run_time=4.0,
            rate_func=linear,
        )
        dots["before"].clear_updaters()

        self.step("straightness")
        label = self.step_label("straightness", label)
        scores = VGroup(
            *[
                Text(t("reflow.straightness", value=fmt(float(d[f"{s}_S"]), 3)), font_size=24, color=ACCENT).next_to(
                    panels[s].frame(), DOWN, buff=0.12
                )
                for s in SIDES
            ]
        )
        self.play(FadeIn(scores, shift=UP * 0.1), run_time=0.8)

        self.step("one_step")
        label = self.step_label("one_step", label)
        x_0 = d["x_0"]
        steps, ends, data = VGroup(), VGroup(), VGroup()
        for s in SIDES:
            pnl, one = panels[s], d[f"{s}_one_step"]
            # one Euler step is a straight segment from x_0 along v(x_0, 0): drawn for the traced points
            steps.add(
                *[
                    Line(pnl(x_0[i]), pnl(one[i]), stroke_width=1.2, color=colours[i]).set_opacity(0.8)
                    for i in range(len(colours))
                ]
            )
            data.add(*[Dot(pnl(p), radius=0.02, color=MUTED, fill_opacity=0.5) for p in d["data"][:SHOWN]])
            ends.add(*[Dot(pnl(p), radius=0.026, color=ACCENT) for p in one[:SHOWN]])
        energies = VGroup()
        for score, s in zip(scores, SIDES):
            lines_ = VGroup(
                Text(t("reflow.energy_one", value=fmt(float(d[f"{s}_energy_one"]), 3)), font_size=20, color=ACCENT),
                Text(
                    t("reflow.energy_converged", value=fmt(float(d[f"{s}_energy_converged"]), 3)),
                    font_size=20,
                    color=MUTED,
                ),
            ).arrange(DOWN, buff=0.08)
            energies.add(lines_.next_to(score, DOWN, buff=0.08))
        self.play(
            *[lines[s].animate.set_stroke(opacity=0.12) for s in SIDES],
            *[FadeOut(dots[s]) for s in SIDES],
            FadeIn(data),
            run_time=0.6,
        )
        self.play(Create(steps, lag_ratio=0.0), run_time=0.8)
        self.play(FadeIn(ends), FadeIn(energies), run_time=0.6)
