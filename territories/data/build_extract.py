"""Build ``geography.json.gz`` from the npm package ``@etalab/decoupage-administratif``.

Usage (from the repository root)::

    cd /tmp && npm pack @etalab/decoupage-administratif@6.0.0 && tar xzf etalab-decoupage-administratif-6.0.0.tgz
    python territories/data/build_extract.py /tmp/package

The argument is the unpacked package (the folder holding ``package.json`` and ``data/``) or its ``data/`` folder.
Only the fields the application loads are kept; see ``README.md`` next to this script for the format.
"""

import argparse
import gzip
import json
import sys
from pathlib import Path

PACKAGE_NAME = "@etalab/decoupage-administratif"
OUTPUT = Path(__file__).resolve().parent / "geography.json.gz"


def data_dir(path):
    path = Path(path)
    return path / "data" if (path / "data" / "communes.json").exists() else path


def read_package_version(path):
    for candidate in (Path(path) / "package.json", Path(path).parent / "package.json"):
        if candidate.exists():
            return json.loads(candidate.read_text(encoding="utf-8")).get("version", "")
    return ""


def build(path):
    """Return the trimmed extract (a plain dict) from the unpacked package at ``path``."""
    folder = data_dir(path)

    def read(name):
        return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))

    regions = [[r["code"], r["nom"]] for r in read("regions")]
    departments = [[d["code"], d["nom"], d["region"]] for d in read("departements")]
    communes = [
        [c["code"], c["nom"], c["departement"], c.get("population")]
        for c in read("communes")
        if c.get("type") == "commune-actuelle"
    ]
    epcis = [[e["code"], e["nom"], e["type"], sorted(m["code"] for m in e["membres"])] for e in read("epci")]
    return {
        "source": {"package": PACKAGE_NAME, "version": read_package_version(path), "licence": "MIT"},
        "columns": {
            "regions": ["code", "nom"],
            "departements": ["code", "nom", "region"],
            "communes": ["code", "nom", "departement", "population"],
            "epci": ["siren", "nom", "type", "membres"],
        },
        "regions": sorted(regions),
        "departements": sorted(departments),
        "communes": sorted(communes),
        "epci": sorted(epcis),
    }


def write(extract, output=OUTPUT):
    payload = json.dumps(extract, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # mtime=0 keeps the file byte-identical between two runs on the same data.
    with open(output, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(payload)
    return output


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", help="unpacked npm package (folder with package.json and data/)")
    parser.add_argument("--output", default=OUTPUT, type=Path, help=f"output file (default: {OUTPUT})")
    args = parser.parse_args(argv)
    extract = build(args.package)
    output = write(extract, args.output)
    print(
        f"{output}: {output.stat().st_size:,} octets, version {extract['source']['version']}, "
        f"{len(extract['regions'])} régions, {len(extract['departements'])} départements, "
        f"{len(extract['communes'])} communes, {len(extract['epci'])} EPCI"
    )


if __name__ == "__main__":
    sys.exit(main())
