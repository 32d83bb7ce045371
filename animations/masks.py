"""Masks on a small image: the checkerboard mask (and its flip), the squeeze that trades space for
channels, and the channel mask of the squeezed image.

The digit, both masks and where every pixel goes under the squeeze come from ``export:masks``
(``explainer.transforms.masks`` and ``explainer.transforms.Squeeze`` applied to an image of
pixel indices)."""

from manim import DOWN, LEFT, RIGHT, UP, FadeIn, ManimColor, MathTex, Square, Text, VGroup, interpolate_color
from style import BG, FG, MUTED, PASS, TRANSFORMED, ExplainerScene, export, t

SIDE = 0.42


class Masks(ExplainerScene):
    scene_key = "masks"

    def construct(self):
        d = export("masks")
        image, board = d["image"], d["checkerboard"].astype(bool)
        index, channel = d["squeeze_index"], d["channel"].astype(bool)
        self.title()
        label = None

        def grey(v):
            return interpolate_color(ManimColor(BG), ManimColor(FG), float(v))

        pixels = VGroup()
        for r in range(8):
            for c in range(8):
                sq = Square(SIDE, stroke_width=1, stroke_color=MUTED, fill_color=grey(image[r, c]), fill_opacity=1)
                sq.move_to(LEFT * 3.6 + RIGHT * (c - 3.5) * SIDE * 1.06 + DOWN * (r - 3.5) * SIDE * 1.06 + DOWN * 0.2)
                pixels.add(sq)

        def colour_by(mask_flat, width=4):
            return [p.animate.set_stroke(PASS if m else TRANSFORMED, width) for p, m in zip(pixels, mask_flat)]

        legend = (
            VGroup(
                *[
                    VGroup(
                        Square(0.3, color=colour, stroke_width=4),
                        Text(t(key), font_size=24),
                        MathTex(symbol, font_size=32, color=colour),
                    ).arrange(RIGHT, buff=0.2)
                    for colour, key, symbol in ((PASS, "masks.pass", "x_A"), (TRANSFORMED, "masks.transformed", "x_B"))
                ]
            )
            .arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            .to_corner(UP + RIGHT, buff=0.4)
            .shift(DOWN * 0.6)
        )

        self.step("image")
        label = self.step_label("image", label)
        self.play(FadeIn(pixels, lag_ratio=0.01), run_time=1.0)
        self.wait(0.5)

        self.step("checkerboard")
        label = self.step_label("checkerboard", label)
        self.play(*colour_by(board.reshape(-1)), FadeIn(legend), run_time=1.0)
        self.wait(1.0)

        self.step("flip")
        label = self.step_label("flip", label)
        self.play(*colour_by((~board).reshape(-1)), run_time=0.8)
        self.wait(0.9)

        self.step("squeeze")
        label = self.step_label("squeeze", label)
        # channel c of the squeezed image: a 4x4 panel; the four panels in a 2x2 arrangement on the right
        centres = [
            RIGHT * 1.6 + UP * 0.85,
            RIGHT * 4.2 + UP * 0.85,
            RIGHT * 1.6 + DOWN * 1.75,
            RIGHT * 4.2 + DOWN * 1.75,
        ]
        frames = VGroup()
        moves = []
        for ch in range(index.shape[0]):
            frame = Square(4 * SIDE * 1.06 + 0.15, color=MUTED, stroke_width=2).move_to(centres[ch])
            frames.add(frame)
            for i in range(index.shape[1]):
                for j in range(index.shape[2]):
                    src = int(index[ch, i, j])
                    target = centres[ch] + RIGHT * (j - 1.5) * SIDE * 1.06 + DOWN * (i - 1.5) * SIDE * 1.06
                    moves.append(pixels[src].animate.move_to(target).set_stroke(MUTED, 1))
        caption = Text(t("masks.channels"), font_size=22, color=MUTED).next_to(frames, DOWN, buff=0.15)
        ch_names = VGroup(
            *[
                Text(f"c{ch + 1}", font_size=20, color=MUTED).next_to(frames[ch], UP, buff=0.05)
                for ch in range(len(frames))
            ]
        )
        ghost = pixels.copy().set_opacity(0.3)  # the image as it was, for comparison
        self.add(ghost)
        self.play(*moves, FadeIn(frames), FadeIn(ch_names), FadeIn(caption), run_time=2.0)
        self.wait(0.5)

        self.step("channel")
        label = self.step_label("channel", label)
        anims = []
        for ch in range(index.shape[0]):
            colour = PASS if channel[ch].all() else TRANSFORMED
            if not (channel[ch].all() or (~channel[ch]).all()):
                raise ValueError("the channel mask should select whole channels")
            anims.append(frames[ch].animate.set_stroke(colour, 5))
            for i in range(index.shape[1]):
                for j in range(index.shape[2]):
                    anims.append(pixels[int(index[ch, i, j])].animate.set_stroke(colour, 3))
        self.play(*anims, run_time=1.0)
        self.wait(2.0)
