"""The course as one PDF per language, printed by Chromium from the built site (a post-build step:
docs/hooks/course_pdf.py). This file imports nothing."""
