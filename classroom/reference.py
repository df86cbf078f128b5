"""Reference data: Indonesia's 38 provinces with their time zones, and the national curriculum's subjects."""
from __future__ import annotations

from dataclasses import dataclass

WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"

# The three zones Indonesia uses; none has daylight saving.
ZONE_NAMES = {WIB: "WIB", WITA: "WITA", WIT: "WIT"}
ZONE_OFFSETS = {WIB: 7, WITA: 8, WIT: 9}


@dataclass(frozen=True)
class Province:
    code: str  # Kemendagri province code
    name: str
    timezone: str


PROVINCES: tuple[Province, ...] = (
    Province("11", "Aceh", WIB),
    Province("12", "Sumatera Utara", WIB),
    Province("13", "Sumatera Barat", WIB),
    Province("14", "Riau", WIB),
    Province("15", "Jambi", WIB),
    Province("16", "Sumatera Selatan", WIB),
    Province("17", "Bengkulu", WIB),
    Province("18", "Lampung", WIB),
    Province("19", "Kepulauan Bangka Belitung", WIB),
    Province("21", "Kepulauan Riau", WIB),
    Province("31", "DKI Jakarta", WIB),
    Province("32", "Jawa Barat", WIB),
    Province("33", "Jawa Tengah", WIB),
    Province("34", "DI Yogyakarta", WIB),
    Province("35", "Jawa Timur", WIB),
    Province("36", "Banten", WIB),
    Province("51", "Bali", WITA),
    Province("52", "Nusa Tenggara Barat", WITA),
    Province("53", "Nusa Tenggara Timur", WITA),
    Province("61", "Kalimantan Barat", WIB),
    Province("62", "Kalimantan Tengah", WIB),
    Province("63", "Kalimantan Selatan", WITA),
    Province("64", "Kalimantan Timur", WITA),
    Province("65", "Kalimantan Utara", WITA),
    Province("71", "Sulawesi Utara", WITA),
    Province("72", "Sulawesi Tengah", WITA),
    Province("73", "Sulawesi Selatan", WITA),
    Province("74", "Sulawesi Tenggara", WITA),
    Province("75", "Gorontalo", WITA),
    Province("76", "Sulawesi Barat", WITA),
    Province("81", "Maluku", WIT),
    Province("82", "Maluku Utara", WIT),
    Province("91", "Papua", WIT),
    Province("92", "Papua Barat", WIT),
    Province("93", "Papua Selatan", WIT),
    Province("94", "Papua Tengah", WIT),
    Province("95", "Papua Pegunungan", WIT),
    Province("96", "Papua Barat Daya", WIT),
)
PROVINCES_BY_CODE = {p.code: p for p in PROVINCES}
PROVINCES_BY_NAME = {p.name: p for p in PROVINCES}

# School levels and the grades each teaches: general schools first (a grade's general level is the first that
# teaches it), then vocational (SMK) and madrasah (MTs, MA) schools of the same grades.
LEVEL_GRADES = {"SD": range(1, 7), "SMP": range(7, 10), "SMA": range(10, 13),
                "SMK": range(10, 13), "MTs": range(7, 10), "MA": range(10, 13)}


def level_of_grade(grade: int) -> str:
    """The general level (SD, SMP, SMA) that teaches a grade."""
    for level, grades in LEVEL_GRADES.items():
        if grade in grades:
            return level
    raise ValueError(f"grade {grade} is outside 1-12")


# Subjects of the national curriculum (Kurikulum Merdeka) by level, named as schools name them.
SUBJECTS_BY_LEVEL: dict[str, tuple[str, ...]] = {
    "SD": ("Pendidikan Agama", "PPKn", "Bahasa Indonesia", "Matematika", "IPAS",
           "PJOK", "Seni Budaya", "Bahasa Inggris", "Muatan Lokal"),
    "SMP": ("Pendidikan Agama", "PPKn", "Bahasa Indonesia", "Matematika", "IPA", "IPS",
            "Bahasa Inggris", "PJOK", "Informatika", "Seni Budaya", "Prakarya"),
    "SMA": ("Pendidikan Agama", "PPKn", "Bahasa Indonesia", "Matematika", "Bahasa Inggris",
            "Fisika", "Kimia", "Biologi", "Sejarah", "Geografi", "Ekonomi", "Sosiologi",
            "Antropologi", "Informatika", "PJOK", "Seni Budaya", "Prakarya"),
    # SMK: the general subjects, then the vocational ones (Kurikulum Merdeka SMK structure)
    "SMK": ("Pendidikan Agama", "PPKn", "Bahasa Indonesia", "Matematika", "Bahasa Inggris", "Sejarah",
            "Informatika", "PJOK", "Seni Budaya", "Projek IPAS", "Dasar-dasar Program Keahlian",
            "Konsentrasi Keahlian", "Projek Kreatif dan Kewirausahaan"),
    # Madrasah (Kemenag, KMA 347/2022): the general curriculum with the Islamic subjects in place of Pendidikan Agama
    "MTs": ("Al-Qur'an Hadis", "Akidah Akhlak", "Fikih", "Sejarah Kebudayaan Islam", "Bahasa Arab", "PPKn",
            "Bahasa Indonesia", "Matematika", "IPA", "IPS", "Bahasa Inggris", "PJOK", "Informatika", "Seni Budaya",
            "Prakarya"),
    "MA": ("Al-Qur'an Hadis", "Akidah Akhlak", "Fikih", "Sejarah Kebudayaan Islam", "Bahasa Arab", "PPKn",
           "Bahasa Indonesia", "Matematika", "Bahasa Inggris", "Fisika", "Kimia", "Biologi", "Sejarah", "Geografi",
           "Ekonomi", "Sosiologi", "Informatika", "PJOK", "Seni Budaya", "Prakarya"),
}
ALL_SUBJECTS: tuple[str, ...] = tuple(sorted({s for subjects in SUBJECTS_BY_LEVEL.values() for s in subjects}))


def subject_taught_at(subject: str, grade: int, level: str | None = None) -> bool:
    """Whether a school of `level` (the grade's general level if not given) teaches the subject in that grade."""
    return subject in SUBJECTS_BY_LEVEL[level or level_of_grade(grade)]


# Approximate centre of each province (longitude, latitude), for the map of teaching flows.
PROVINCE_CENTRES: dict[str, tuple[float, float]] = {
    "Aceh": (96.7, 4.4), "Sumatera Utara": (99.0, 2.2), "Sumatera Barat": (100.5, -0.8), "Riau": (101.7, 0.3),
    "Jambi": (103.0, -1.6), "Sumatera Selatan": (104.2, -3.3), "Bengkulu": (102.3, -3.6), "Lampung": (105.0, -4.9),
    "Kepulauan Bangka Belitung": (106.4, -2.6), "Kepulauan Riau": (104.5, 1.0), "DKI Jakarta": (106.8, -6.2),
    "Jawa Barat": (107.6, -6.9), "Jawa Tengah": (110.2, -7.2), "DI Yogyakarta": (110.4, -7.9),
    "Jawa Timur": (112.6, -7.6), "Banten": (106.1, -6.4), "Bali": (115.1, -8.4), "Nusa Tenggara Barat": (117.4, -8.6),
    "Nusa Tenggara Timur": (121.1, -9.3), "Kalimantan Barat": (110.6, -0.1), "Kalimantan Tengah": (113.4, -1.6),
    "Kalimantan Selatan": (115.3, -3.1), "Kalimantan Timur": (116.4, 0.5), "Kalimantan Utara": (116.3, 3.0),
    "Sulawesi Utara": (124.8, 1.2), "Sulawesi Tengah": (121.4, -1.4), "Sulawesi Selatan": (120.0, -3.7),
    "Sulawesi Tenggara": (122.2, -4.1), "Gorontalo": (122.4, 0.7), "Sulawesi Barat": (119.3, -2.5),
    "Maluku": (129.5, -3.2), "Maluku Utara": (127.8, 1.0), "Papua": (139.5, -2.6), "Papua Barat": (133.2, -1.4),
    "Papua Selatan": (139.5, -7.2), "Papua Tengah": (136.5, -3.7), "Papua Pegunungan": (139.0, -4.1),
    "Papua Barat Daya": (131.6, -1.2),
}

# The projection of static/img/indonesia.svg: 16 pixels a degree, from 94°E and 7.5°N.
MAP_WIDTH, MAP_HEIGHT = 768, 296


def map_point(province: str) -> tuple[float, float]:
    lon, lat = PROVINCE_CENTRES[province]
    return round((lon - 94) * 16, 1), round((7.5 - lat) * 16, 1)
