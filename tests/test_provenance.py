"""Licences, citation and changelog: the files exist, say what they must, and agree with each
other and with pyproject.toml and mkdocs.yml (one version, one licence per kind of material)."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib
import yaml

import explainer

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _mkdocs() -> dict:
    # mkdocs.yml uses !ENV and !!python/name tags: read it as MkDocs does, without building
    from mkdocs.config import load_config

    return load_config(str(ROOT / "mkdocs.yml"))


def test_the_code_is_mit_and_pyproject_says_so_pep_639():
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License") and "Permission is hereby granted, free of charge" in licence
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"  # an SPDX expression (PEP 639), not the old {text = ...} table
    assert project["license-files"] == ["LICENSE"]
    assert not any(c.startswith("License ::") for c in project.get("classifiers", []))  # PEP 639 forbids both
    assert PYPROJECT["build-system"]["requires"] == ["setuptools>=77"]  # the first to read PEP 639 fields


def test_text_figures_and_animations_are_cc_by_4():
    text = (ROOT / "LICENSE-docs").read_text()
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in text
    assert "Creative Commons Attribution 4.0 International Public License" in text
    for section in range(1, 9):  # the legal code itself, all eight sections
        assert f"Section {section} -- " in text, f"section {section} of the legal code is missing"
    assert "MIT" in text and "LICENSE" in text  # and it says where the code's licence is


def test_citation_cff_is_valid_cff_1_2_and_matches_the_package():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    for key in ("cff-version", "message", "title", "authors"):  # required by the 1.2.0 schema
        assert cff.get(key), f"CITATION.cff lacks {key}"
    assert cff["cff-version"] == "1.2.0"
    assert all(isinstance(a, dict) and (a.get("name") or a.get("family-names")) for a in cff["authors"])
    assert cff["version"] == explainer.__version__
    assert cff["license"] == ["MIT", "CC-BY-4.0"]
    default_repo = re.search(r'^repo_url: !ENV \[REPO_URL, "([^"]+)"\]', (ROOT / "mkdocs.yml").read_text(), re.M)
    assert cff["repository-code"] == default_repo.group(1)  # the address the site links by default


def test_one_version_number_read_from_the_package():
    project = PYPROJECT["project"]
    assert "version" not in project and project["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "explainer.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", explainer.__version__)


def test_changelog_keeps_a_changelog():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog") and "keepachangelog.com" in text
    assert "## [Unreleased]" in text
    assert re.search(rf"^## \[{re.escape(explainer.__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M)
    headings = re.findall(r"^### (\w+)$", text, re.M)
    assert headings and set(headings) <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def test_footer_copyright_in_both_languages_and_edit_links():
    config = _mkdocs()
    assert "Copyright &copy; 2026" in config["copyright"] and "CC BY 4.0" in config["copyright"]
    (i18n,) = [p for name, p in config["plugins"].items() if name == "i18n"]
    (zh,) = [lang for lang in i18n.config["languages"] if lang["locale"] == "zh"]
    assert "版权所有" in zh["copyright"] and "CC BY 4.0" in zh["copyright"]
    assert "content.action.edit" in config["theme"]["features"]
    assert config["edit_uri"] == "edit/main/docs/"
