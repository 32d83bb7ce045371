"""RealNVP vs flow matching on the same data, from the same noise: discrete coupling layers on the
left, a continuous ODE on the right, and what each one costs.

Both panels are computed by ``export:comparison`` from the trained ``model:realnvp-moons`` (its
inverse, layer by layer) and ``model:fm-moons`` (RK4 on its velocity field), with their test NLLs."""

import numpy as np
from manim import DOWN, UP, Dot, FadeIn, Text, ValueTracker, VGroup, linear, smooth
from style import ACCENT, MUTED, ExplainerScene, Panel, export, fmt, hue_colours, t


class RealNVPvsFM(ExplainerScene):
    scene_key = "realnvp_vs_fm"

    def construct(self):
        d = export("comparison")
        layers, ode, ode_t = d["realnvp"], d["fm"], d["fm_t"]
        n_layers = int(d["realnvp_layers"])
        self.title()
        label = None
        left, right = Panel((-3.55, 0.05), 0.54, 4.2), Panel((3.55, 0.05), 0.54, 4.2)
        colours = hue_colours(layers[0][:, 0])  # coloured by the shared noise: same colour, same z
        left_dots = VGroup(*[Dot(left(p), radius=0.035, color=c) for p, c in zip(layers[0], colours)])
        right_dots = VGroup(*[Dot(right(p), radius=0.035, color=c) for p, c in zip(ode[0], colours)])
        heads = VGroup(
            Text(t("realnvp_vs_fm.realnvp", layers=n_layers), font_size=26).next_to(left.frame(), UP, buff=0.1),
            Text(t("realnvp_vs_fm.fm"), font_size=26).next_to(right.frame(), UP, buff=0.1),
        )
        counters = VGroup(
            Text(t("realnvp_vs_fm.layer", k=0, n=n_layers), font_size=24, color=MUTED),
            Text(t("realnvp_vs_fm.time", t="0.00"), font_size=24, color=MUTED),
        )
        counters[0].next_to(left.frame(), DOWN, buff=0.1)
        counters[1].next_to(right.frame(), DOWN, buff=0.1)

        self.step("noise")
        label = self.step_label("noise", label)
        self.play(
            FadeIn(left.frame()),
            FadeIn(right.frame()),
            FadeIn(heads),
            FadeIn(left_dots),
            FadeIn(right_dots),
            FadeIn(counters),
            run_time=1.0,
        )
        self.wait(0.8)

        self.step("transport")
        label = self.step_label("transport", label)
        tau = ValueTracker(0.0)
        hop = 0.5  # fraction of each layer's time slot spent moving (the rest: holding still)

        def update(_):
            s = tau.get_value()
            k = min(int(s * n_layers), n_layers - 1)
            a = smooth(float(np.clip((s * n_layers - k) / hop, 0.0, 1.0)))
            pts = left((1 - a) * layers[k] + a * layers[k + 1])
            for dot, p in zip(left_dots, pts):
                dot.move_to(p)
            i = int(np.clip(np.searchsorted(ode_t, s) - 1, 0, len(ode_t) - 2))
            b = float(np.clip((s - ode_t[i]) / (ode_t[i + 1] - ode_t[i]), 0.0, 1.0))
            for dot, p in zip(right_dots, right((1 - b) * ode[i] + b * ode[i + 1])):
                dot.move_to(p)
            shown = k + 1 if a > 0.5 else k
            counters[0].become(
                Text(t("realnvp_vs_fm.layer", k=shown, n=n_layers), font_size=24, color=MUTED).next_to(
                    left.frame(), DOWN, buff=0.1
                )
            )
            counters[1].become(
                Text(t("realnvp_vs_fm.time", t=f"{s:.2f}"), font_size=24, color=MUTED).next_to(
                    right.frame(), DOWN, buff=0.1
                )
            )

        left_dots.add_updater(update)
        self.play(tau.animate.set_value(1.0), run_time=6.0, rate_func=linear)
        left_dots.clear_updaters()
        self.wait(0.5)

        self.step("cost")
        label = self.step_label("cost", label)
        costs = VGroup(
            Text(
                t("realnvp_vs_fm.realnvp_cost", layers=n_layers, nll=fmt(float(d["realnvp_nll"]), 3)),
                font_size=22,
                color=ACCENT,
            ).next_to(counters[0], DOWN, buff=0.1),
            Text(
                t("realnvp_vs_fm.fm_cost", nfe=int(d["fm_nfe"]), nll=fmt(float(d["fm_nll"]), 3)),
                font_size=22,
                color=ACCENT,
            ).next_to(counters[1], DOWN, buff=0.1),
        )
        entropy = Text(t("realnvp_vs_fm.entropy", value=fmt(float(d["entropy"]), 3)), font_size=20, color=MUTED)
        entropy.next_to(costs, DOWN, buff=0.15).set_x(1.2)
        self.play(FadeIn(costs, shift=UP * 0.1), FadeIn(entropy), run_time=0.8)
        self.wait(2.5)
