"""Small instance builders for the scheduler tests."""


def teacher(id="t1", tz="Asia/Jakarta", province="Aceh", subjects=("Matematika",), grades=(7,),
            quality=4.0, per_day=2, per_week=5, availability=(("mon", "05:00", "07:00"),)):
    return {"id": id, "name": f"Guru {id}", "province": province, "timezone": tz,
            "subjects": list(subjects), "grades": list(grades), "quality": quality,
            "max_sessions_per_day": per_day, "max_sessions_per_week": per_week,
            "availability": [{"day": d, "start": s, "end": e} for d, s, e in availability]}


def request(id="r1", school="s1", subject="Matematika", grade=7, spw=1, duration=60, priority=3,
            windows=(("mon", "07:00", "09:00"),)):
    return {"id": id, "school": school, "subject": subject, "grade": grade, "students": 20,
            "sessions_per_week": spw, "duration_minutes": duration, "priority": priority,
            "windows": [{"day": d, "start": s, "end": e} for d, s, e in windows]}


def school(id="s1", tz="Asia/Jayapura", province="Papua"):
    return {"id": id, "name": f"Sekolah {id}", "province": province, "timezone": tz, "remote": True}


def instance(teachers, requests, schools=None, break_minutes=10, bonus=200, cross=True):
    return {"name": "hand", "break_minutes": break_minutes, "cross_province": cross,
            "fairness_bonus": bonus, "schools": schools or [school()],
            "teachers": list(teachers), "requests": list(requests)}
