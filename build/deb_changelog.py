"""deb_changelog.py CHANGELOG_YAML VERSION MAINTAINER: the Debian changelog of the packages, an entry per release of
the collection's changelogs/changelog.yaml, newest first, its summary and changes as the items."""
import datetime, re, sys, textwrap, yaml
path, version, maintainer = sys.argv[1:4]
releases = yaml.safe_load(open(path))["releases"]
key = lambda v: [int(p) if p.isdigit() else p for p in re.split(r"[.+-]", str(v))]
if version not in map(str, releases):
    sys.exit(f"build.sh: version {version} has no release in {path}")
for release in sorted(releases, key=key, reverse=True):
    entry = releases[release]
    changes = entry.get("changes", {})
    items = [changes["release_summary"]] if "release_summary" in changes else []
    for section in ("major_changes", "minor_changes", "breaking_changes", "deprecated_features", "removed_features", "security_fixes", "bugfixes"):
        items += changes.get(section, [])
    print(f"solti-matrix ({release}) unstable; urgency=medium\n")
    for item in items:
        text = " ".join(str(item).replace("``", "").split())
        print(textwrap.fill(text, 78, initial_indent="  * ", subsequent_indent="    "))
    date = datetime.datetime.strptime(str(entry["release_date"]), "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc)
    print(f"\n -- {maintainer}  {date.strftime('%a, %d %b %Y %H:%M:%S +0000')}\n")
