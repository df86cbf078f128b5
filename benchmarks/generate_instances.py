"""Generator of realistic, contention-heavy instances in the spirit of ../shared/data/instances.

Teachers mostly in WIB and WITA provinces (many in Aceh) teach their own classes
07:00-13:00 local and volunteer early mornings, free periods and afternoons;
requests come mostly from WIT schools (Papua, Maluku), whose school day starts
two hours earlier in WIB. Contention: top teachers are scarce (quality skewed
low) and demand piles on a few subjects.

    python benchmarks/generate_instances.py --teachers 2000 --requests 6000 -o big.json
"""
from __future__ import annotations

import argparse
import json
import random

ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
PROVINCES = {
    "WIB": ["Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Jambi", "Sumatera Selatan", "Lampung",
            "Banten", "DKI Jakarta", "Jawa Barat", "Jawa Tengah", "DI Yogyakarta", "Jawa Timur",
            "Kalimantan Barat"],
    "WITA": ["Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Timur", "Sulawesi Utara",
             "Sulawesi Tengah", "Sulawesi Selatan", "Gorontalo"],
    "WIT": ["Papua", "Papua Barat", "Papua Barat Daya", "Papua Tengah", "Papua Pegunungan",
            "Papua Selatan", "Maluku", "Maluku Utara"],
}
LEVELS = {"SD": [1, 2, 3, 4, 5, 6], "SMP": [7, 8, 9], "SMA": [10, 11, 12]}
SUBJECTS = {
    "SD": ["Matematika", "Bahasa Indonesia", "Bahasa Inggris", "IPAS", "PPKn"],
    "SMP": ["Matematika", "Bahasa Indonesia", "Bahasa Inggris", "IPA", "IPS", "Informatika", "PPKn"],
    "SMA": ["Matematika", "Bahasa Indonesia", "Bahasa Inggris", "Fisika", "Kimia", "Biologi", "Ekonomi",
            "Geografi", "Sejarah", "Informatika"],
}
# demand piles on these
HOT = {"Matematika": 6.0, "Bahasa Inggris": 5.0, "Bahasa Indonesia": 4.0, "Informatika": 3.0}
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat"]


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def generate(n_teachers: int, n_requests: int, seed: int = 1, name: str | None = None) -> dict:
    rng = random.Random(seed)
    n_schools = max(5, n_requests // 4)
    schools = []
    for i in range(n_schools):
        zone = rng.choices(["WIT", "WITA", "WIB"], weights=[68, 21, 11])[0]
        schools.append({"id": f"s{i}", "name": f"Sekolah {i}", "province": rng.choice(PROVINCES[zone]),
                        "timezone": ZONES[zone], "remote": rng.random() < 0.5})
    teachers = []
    for i in range(n_teachers):
        zone = rng.choices(["WIB", "WITA", "WIT"], weights=[70, 23, 7])[0]
        province = "Aceh" if zone == "WIB" and rng.random() < 0.45 else rng.choice(PROVINCES[zone])
        level = rng.choices(["SD", "SMP", "SMA"], weights=[25, 40, 35])[0]
        grades = LEVELS[level] if level != "SMP" or rng.random() > 0.2 else [7, 8, 9, 10]
        # teachers spread evenly over subjects, so hot subjects are short of teachers
        subjects = rng.sample(SUBJECTS[level], 2 if rng.random() < 0.3 else 1)
        # scarce top teachers: quality skewed towards the low end
        quality = round(min(5.0, 2.5 + 2.5 * rng.betavariate(1.6, 2.6)), 1)
        availability = []
        for day in DAYS:
            if rng.random() < 0.3:
                continue
            slots = []
            if rng.random() < 0.35:                     # early morning
                s = rng.choice([300, 330, 360])
                slots.append((s, s + rng.choice([60, 90, 120])))
            if rng.random() < 0.4:                      # free period in the school day
                s = rng.randrange(480, 690, 15)
                slots.append((s, s + rng.choice([60, 90, 120])))
            if rng.random() < 0.55:                     # afternoon
                s = rng.randrange(780, 900, 15)
                slots.append((s, s + rng.choice([60, 120, 180, 240])))
            for s, e in slots:
                availability.append({"day": day, "start": hhmm(s), "end": hhmm(min(e, 1440))})
        teachers.append({"id": f"t{i}", "name": f"Guru {i}", "province": province, "timezone": ZONES[zone],
                         "subjects": subjects, "grades": grades, "quality": quality,
                         "max_sessions_per_day": rng.choices([1, 2, 3], weights=[26, 52, 22])[0],
                         "max_sessions_per_week": rng.choice([2, 3, 4, 5, 6, 8]),
                         "availability": availability})
    requests = []
    for i in range(n_requests):
        school = rng.randrange(n_schools)
        level = rng.choices(["SD", "SMP", "SMA"], weights=[30, 38, 32])[0]
        subject_list = SUBJECTS[level]
        subject = rng.choices(subject_list, weights=[HOT.get(s, 1.0) for s in subject_list])[0]
        days = sorted(rng.sample(DAYS, rng.choices([2, 3, 4, 5, 6], weights=[2, 10, 31, 44, 13])[0]),
                      key=DAYS.index)
        windows = []
        for day in days:
            s = rng.choice([420, 450, 480])
            windows.append({"day": day, "start": hhmm(s), "end": hhmm(rng.choice([720, 750, 780]))})
        requests.append({"id": f"r{i}", "school": f"s{school}", "subject": subject,
                         "grade": rng.choice(LEVELS[level]), "students": rng.randrange(8, 40),
                         "sessions_per_week": rng.choices([1, 2, 3], weights=[42, 40, 18])[0],
                         "duration_minutes": rng.choice([70, 80, 80, 90, 90]),
                         "priority": rng.choices([1, 2, 3, 4, 5], weights=[7, 21, 30, 24, 18])[0],
                         "windows": windows})
    return {"name": name or f"gen-{n_teachers}x{n_requests}-s{seed}", "break_minutes": 10,
            "cross_province": True, "fairness_bonus": 200, "schools": schools, "teachers": teachers,
            "requests": requests}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, required=True)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    with open(args.output, "w", encoding="utf-8") as handle:
        json.dump(generate(args.teachers, args.requests, args.seed), handle)


if __name__ == "__main__":
    main()
