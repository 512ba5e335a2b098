#!/usr/bin/env python3
"""The collection's changelog, kept in antsibull-changelog's format and rendered as antsibull renders Markdown.

antsibull-changelog is not packaged for Debian, so this stands in for the three of its commands this collection uses
(Python 3 and PyYAML only, which ansible-core brings):

  render_changelog.py [COLLECTION_DIR]            write CHANGELOG.md from changelogs/changelog.yaml and the fragments
  render_changelog.py --check [COLLECTION_DIR]    exit 1 when CHANGELOG.md is not what the YAML renders to, or when
                                                  galaxy.yml's version is not the latest release of changelog.yaml
  render_changelog.py --release [COLLECTION_DIR]  release the fragments as galaxy.yml's version (bump it first), dated
                                                  today (or --date YYYY-MM-DD); the fragments are removed (keep_fragments)

changelogs/config.yaml is read as antsibull reads it: the title, the sections and their order, the release summary's
section, the trivial section (never rendered), where the new modules and roles go (new_plugins_after_name), the
fragments directory and the output file (changelog_filename_template, with the extension of output_formats).
Unreleased fragments are rendered first, under "Unreleased Changes", so CHANGELOG.md always shows what is merged.
Text is reStructuredText as in antsibull's files: ``literals`` become code spans; Markdown's special characters
elsewhere are escaped.
"""

import datetime
import os
import re
import sys

import yaml

PLUGIN_TYPES = ("become", "cache", "callback", "cliconf", "connection", "filter", "httpapi", "inventory", "lookup",
                "netconf", "shell", "strategy", "test", "vars")
OBJECT_TITLES = {"role": "New Roles", "playbook": "New Playbooks"}


class ChangelogError(Exception):
    pass


class IndentedDumper(yaml.SafeDumper):
    """Sequences indented under their key, as yamllint's indent-sequences (ansible-lint's yaml rule) wants them."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def version_key(version):
    """SemVer order: numbers by value, a release after its pre-releases."""
    core, _, pre = str(version).partition("-")
    numbers = tuple(int(p) if p.isdigit() else 0 for p in core.split("+")[0].split("."))
    return numbers, pre == "", pre


class Collection:
    def __init__(self, root):
        self.root = root
        self.changelogs = os.path.join(root, "changelogs")
        self.config = load_yaml(os.path.join(self.changelogs, "config.yaml")) or {}
        self.galaxy = load_yaml(os.path.join(root, "galaxy.yml")) or {}
        self.changes_path = os.path.join(self.changelogs, self.config.get("changes_file", "changelog.yaml"))
        self.changes = load_yaml(self.changes_path) or {}
        self.sections = [tuple(s) for s in self.config.get("sections", [])]
        self.section_names = {name for name, _ in self.sections}
        self.prelude = self.config.get("prelude_section_name", "release_summary")
        self.prelude_title = self.config.get("prelude_section_title", "Release Summary")
        self.trivial = self.config.get("trivial_section_name", "trivial")
        self.fragments_dir = os.path.join(self.changelogs, self.config.get("notesdir", "fragments"))
        self.releases = self.changes.get("releases") or {}
        for version, release in self.releases.items():
            self.check_changes(release.get("changes") or {}, f"changelog.yaml, release {version}")

    @property
    def output_path(self):
        template = self.config.get("changelog_filename_template", "../CHANGELOG.rst")
        formats = self.config.get("output_formats", ["rst"])
        if "md" not in formats:
            raise ChangelogError("changelogs/config.yaml: output_formats must include md (this renderer writes Markdown)")
        return os.path.normpath(os.path.join(self.changelogs, os.path.splitext(template)[0] + ".md"))

    def check_changes(self, changes, where):
        if not isinstance(changes, dict):
            raise ChangelogError(f"{where}: expected a mapping of sections")
        for key, value in changes.items():
            if key == self.prelude:
                if not isinstance(value, str):
                    raise ChangelogError(f"{where}: {key} must be one string")
            elif key in self.section_names or key == self.trivial:
                if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                    raise ChangelogError(f"{where}: {key} must be a list of non-empty strings")
            else:
                known = ", ".join([self.prelude] + [n for n, _ in self.sections] + [self.trivial])
                raise ChangelogError(f"{where}: unknown section {key!r} (one of: {known})")

    def fragments(self):
        """The unreleased fragments, by file name, each checked."""
        found = {}
        if not os.path.isdir(self.fragments_dir):
            return found
        for name in sorted(os.listdir(self.fragments_dir)):
            if not name.endswith((".yml", ".yaml")) or name.startswith("."):
                if self.config.get("ignore_other_fragment_extensions", True):
                    continue
                raise ChangelogError(f"changelogs/fragments/{name}: fragments end in .yml or .yaml")
            data = load_yaml(os.path.join(self.fragments_dir, name))
            if isinstance(data, dict):
                data = {k: [v] if isinstance(v, str) and k != self.prelude else v for k, v in data.items()}
            self.check_changes(data, f"changelogs/fragments/{name}")
            found[name] = data
        return found

    def latest_release(self):
        return max(self.releases, key=version_key) if self.releases else None


def merge(fragments, prelude):
    changes = {}
    for data in fragments.values():
        for key, value in data.items():
            if key == prelude:
                changes[key] = (changes[key] + "\n\n" + value) if key in changes else value
            else:
                changes.setdefault(key, []).extend(value)
    return changes


MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#])")


def text(rst):
    """One paragraph of antsibull's reStructuredText as Markdown: ``literals`` as code spans, the rest escaped."""
    rst = " ".join(rst.split())
    out = []
    for i, part in enumerate(re.split(r"``(.+?)``", rst)):
        if i % 2:
            fence = "``" if "`" in part else "`"
            out.append(f"{fence}{part}{fence}")
        else:
            out.append(MD_SPECIAL.sub(r"\\\1", part))
    return "".join(out)


class Document:
    def __init__(self):
        self.lines = []
        self.toc = []
        self.anchors = {}

    def anchor(self, title):
        base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        count = self.anchors.get(base, 0)
        self.anchors[base] = count + 1
        return base if count == 0 else f"{base}-{count}"

    def heading(self, level, title):
        anchor = self.anchor(title)
        self.toc.append((level, anchor, title))
        self.lines += [f'<a id="{anchor}"></a>', f"{'#' * level} {text(title)}", ""]

    def bullets(self, items):
        self.lines += [f"* {text(item)}" for item in items] + [""]

    def paragraph(self, value):
        self.lines += [text(p) for p in value.split("\n\n") if p.strip()] + [""]


def render_release(doc, coll, title, changes, release, intro=None):
    namespace = f"{coll.galaxy['namespace']}.{coll.galaxy['name']}"
    fqcn = coll.config.get("use_fqcn", True)
    doc.heading(2, title)
    if intro:
        doc.paragraph(intro)
    if coll.prelude in changes:
        doc.heading(3, coll.prelude_title)
        doc.paragraph(changes[coll.prelude])

    def new_objects():
        def line(entry):
            name = f"{namespace}.{entry['name']}" if fqcn else entry["name"]
            return f"{name} - {entry['description']}"

        for plugin_type in PLUGIN_TYPES:
            entries = (release.get("plugins") or {}).get(plugin_type)
            if entries:
                doc.heading(3, "New Plugins")
                doc.heading(4, plugin_type.capitalize())
                doc.bullets([line(e) for e in sorted(entries, key=lambda e: e["name"])])
        if release.get("modules"):
            doc.heading(3, "New Modules")
            doc.bullets([line(e) for e in sorted(release["modules"], key=lambda e: e["name"])])
        for object_type, object_title in OBJECT_TITLES.items():
            entries = (release.get("objects") or {}).get(object_type)
            if entries:
                doc.heading(3, object_title)
                doc.bullets([line(e) for e in sorted(entries, key=lambda e: e["name"])])

    after = coll.config.get("new_plugins_after_name", "removed_features")
    placed = False
    for name, section_title in coll.sections:
        if changes.get(name):
            doc.heading(3, section_title)
            doc.bullets(sorted(changes[name]))
        if name == after:
            new_objects()
            placed = True
    if not placed:
        new_objects()


def render(coll):
    doc = Document()
    fragments = coll.fragments()
    if fragments:
        latest = coll.latest_release()
        intro = f"Merged since v{latest}; released with the next version." if latest else "Not released yet."
        render_release(doc, coll, "Unreleased Changes", merge(fragments, coll.prelude), {}, intro)
    for version in sorted(coll.releases, key=version_key, reverse=True):
        release = coll.releases[version]
        render_release(doc, coll, f"v{version}", release.get("changes") or {}, release)

    head = [f"# {text(coll.config.get('title', coll.galaxy.get('name', '')))} Release Notes", ""]
    if coll.config.get("mention_ancestor", True) and coll.changes.get("ancestor"):
        head += [f"This changelog describes changes after version {text(str(coll.changes['ancestor']))}.", ""]
    head += ["**Topics**", ""]
    for level, anchor, title in doc.toc:
        if level >= 4:
            continue
        head.append(f"{'    ' * (level - 2)}- <a href=\"#{anchor}\">{text(title)}</a>")
    head.append("")
    return "\n".join(head + doc.lines).rstrip("\n") + "\n"


def check(coll):
    problems = []
    latest = coll.latest_release()
    version = str(coll.galaxy.get("version"))
    if latest is None:
        problems.append("changelogs/changelog.yaml has no release")
    elif version != str(latest):
        problems.append(f"galaxy.yml's version is {version}, the latest release in changelogs/changelog.yaml is {latest}: "
                        "one version everywhere (to release: bump galaxy.yml, then ./build.sh changelog --release)")
    rendered = render(coll)
    try:
        with open(coll.output_path, encoding="utf-8") as f:
            committed = f.read()
    except FileNotFoundError:
        committed = None
    if committed != rendered:
        import difflib
        rel = os.path.relpath(coll.output_path, coll.root)
        diff = "".join(difflib.unified_diff((committed or "").splitlines(True), rendered.splitlines(True),
                                            f"{rel} (committed)", f"{rel} (rendered)"))
        problems.append(f"{rel} is not what the changelog YAML renders to; run ./build.sh changelog and commit it:\n{diff}")
    return problems


def release(coll, date):
    version = str(coll.galaxy["version"])
    if version in {str(v) for v in coll.releases}:
        raise ChangelogError(f"release {version} is already in changelogs/changelog.yaml: bump galaxy.yml's version first")
    if coll.latest_release() is not None and version_key(version) < version_key(coll.latest_release()):
        raise ChangelogError(f"galaxy.yml's version {version} is older than the latest release {coll.latest_release()}")
    fragments = coll.fragments()
    if not fragments:
        raise ChangelogError("no fragments in changelogs/fragments: nothing to release")
    changes = merge(fragments, coll.prelude)
    changes.pop(coll.trivial, None)
    entry = {"changes": {k: changes[k] for k in sorted(changes)}, "fragments": sorted(fragments), "release_date": date}
    coll.changes.setdefault("releases", {})[version] = entry
    coll.releases = coll.changes["releases"]
    with open(coll.changes_path, "w", encoding="utf-8") as f:
        f.write("---\n")
        yaml.dump(coll.changes, f, Dumper=IndentedDumper, sort_keys=True, width=110, allow_unicode=True, default_flow_style=False)
    if not coll.config.get("keep_fragments", False):
        for name in fragments:
            os.remove(os.path.join(coll.fragments_dir, name))


def main(argv):
    mode, date, args = "write", datetime.date.today().isoformat(), []
    i = 0
    while i < len(argv):
        if argv[i] in ("--check", "--release"):
            mode = argv[i][2:]
        elif argv[i] == "--date" and i + 1 < len(argv):
            date = argv[i + 1]
            i += 1
        elif argv[i] in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            args.append(argv[i])
        i += 1
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    try:
        coll = Collection(os.path.abspath(root))
        if mode == "check":
            problems = check(coll)
            for problem in problems:
                print(f"render_changelog.py: {problem}", file=sys.stderr)
            if not problems:
                print(f"{os.path.relpath(coll.output_path, coll.root)} is up to date (v{coll.latest_release()})")
            return 1 if problems else 0
        if mode == "release":
            release(coll, date)
        with open(coll.output_path, "w", encoding="utf-8") as f:
            f.write(render(coll))
        print(coll.output_path)
        return 0
    except (ChangelogError, KeyError, OSError, yaml.YAMLError) as e:
        print(f"render_changelog.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
