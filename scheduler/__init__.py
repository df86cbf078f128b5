"""Kelas Nusantara matching engine: teachers to school requests on one week clock (CP-SAT)."""
from .model import (Assignment, Instance, InstanceError, Interval, Request, School, Session,
                    Solution, Teacher, Unassigned, load_instance)
from .validate import ValidationReport, Violation, validate
from .greedy import greedy
from .solve import solve

__all__ = ["Assignment", "Instance", "InstanceError", "Interval", "Request", "School", "Session",
           "Solution", "Teacher", "Unassigned", "ValidationReport", "Violation", "greedy", "solve",
           "load_instance", "validate"]
