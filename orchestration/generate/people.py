"""People: the organisation (departments, employees with hires and leavers) and customer PII.

Why this exists: several KPIs are per employee (sales per employee, plan attainment, adoption),
a staged rollout is per department, and a record's CRM timing follows the department of the
employee it is attributed to. So staff are simulated month by month per department and role,
with turnover and growth, and every order, lead, ticket, document, approval and activity is
attributed to someone employed on that day, preferably from the customer's region.

Names, e-mails and phones come from pools built once with Faker('uk_UA') (a few thousand
values) and are combined with vectorised NumPy string operations, never one Faker call per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faker import Faker

from orchestration.contract import ROLES

from .timeline import Timeline, month_start_days

REGIONS = ("Kyiv", "Lviv", "Kharkiv", "Odesa", "Dnipro")
REGION_WEIGHTS = np.array([0.38, 0.16, 0.16, 0.15, 0.15])

SALES_DEPTS = tuple(f"Sales {r}" for r in REGIONS)
SUPPORT_DEPTS = tuple(f"Support {r}" for r in REGIONS)
DEPARTMENTS = SALES_DEPTS + SUPPORT_DEPTS + ("Back office", "Management")
SALES0, SUPPORT0 = 0, len(REGIONS)
BACK_OFFICE, MANAGEMENT = DEPARTMENTS.index("Back office"), DEPARTMENTS.index("Management")
# Staged rollout: these departments go live first, the others six months later (control group).
FIRST_WAVE = ("Sales Kyiv", "Sales Kharkiv", "Support Kyiv", "Support Kharkiv", "Back office", "Management")

ROLE = {name: i for i, name in enumerate(ROLES)}
NO_END = 10**9  # day number standing in for "still employed"

# Headcount at scale 1 on the first export day: sales reps and support agents split by region
# weight (plus one manager per ~12), and the central departments:
# (department, role, headcount, minimum).
_SALES_REPS, _SUPPORT_AGENTS = 120.0, 80.0
_CENTRAL = (
    ("Back office", "operations", 28.0, 2),
    ("Back office", "other", 8.0, 1),
    ("Management", "manager", 6.0, 1),
    ("Management", "other", 4.0, 1),
)
HOURLY_COST = {"sales": 290.0, "support": 240.0, "manager": 520.0, "operations": 250.0, "other": 270.0}
LEAVE_RATE = {"sales": 0.016, "support": 0.018, "manager": 0.006, "operations": 0.010, "other": 0.012}
STAFF_GROWTH = 0.08  # sales and support headcount growth per year


# ---------------------------------------------------------------------------------------------
# Name pools
# ---------------------------------------------------------------------------------------------
_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh", "з": "z",
    "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "'": "", "’": "", "-": "-", " ": "",
}

_COMPANY_ROOTS = ("Агро", "Буд", "Енерго", "Техно", "Інтер", "Мета", "Дніпро", "Карпати", "Поділля", "Слобода",
                  "Таврія", "Полісся", "Сокіл", "Ясен", "Дуб", "Альфа", "Вектор", "Форт", "Злагода", "Горизонт",
                  "Прайм", "Лан", "Колос", "Зоря", "Світанок", "Меридіан", "Орбіта", "Атлант", "Стандарт", "Профі")
_COMPANY_SUFFIXES = ("трейд", "пром", "сервіс", "інвест", "постач", "маркет", "буд", "лайн", "тех", "логістик",
                     "груп", "союз", "експорт", "продукт")
_COMPANY_TAILS = ("", "", "", "", " Плюс", " Україна", "-Захід", "-Схід")
_EMAIL_DOMAINS = np.array(["gmail.com", "ukr.net", "i.ua", "meta.ua", "outlook.com", "yahoo.com", "icloud.com"])
_EMAIL_DOMAIN_P = np.array([0.45, 0.25, 0.08, 0.05, 0.07, 0.03, 0.07])
_PHONE_CODES = np.array(["50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99"])


def translit(text: str) -> str:
    """Ukrainian to Latin (national 2010 table, simplified), lower case, for e-mail addresses."""
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())


@dataclass(frozen=True)
class NamePools:
    """A few thousand Ukrainian names built once with Faker, plus their Latin spellings."""

    first_m: np.ndarray
    first_f: np.ndarray
    last_m: np.ndarray
    last_f: np.ndarray
    first_m_lat: np.ndarray
    first_f_lat: np.ndarray
    last_m_lat: np.ndarray
    last_f_lat: np.ndarray
    companies: np.ndarray
    companies_lat: np.ndarray

    @classmethod
    def build(cls, seed: int) -> NamePools:
        fake = Faker("uk_UA")
        fake.seed_instance(seed)
        first_m = [fake.first_name_male() for _ in range(400)]
        first_f = [fake.first_name_female() for _ in range(400)]
        last_m = [fake.last_name_male() for _ in range(1500)]
        last_f = [fake.last_name_female() for _ in range(1500)]
        companies, companies_lat = [], []
        for root in _COMPANY_ROOTS:
            for suffix in _COMPANY_SUFFIXES:
                for tail in _COMPANY_TAILS[3:]:
                    companies.append(f"{root}{suffix}{tail}")
                    companies_lat.append(translit(f"{root}{suffix}{tail.replace(' ', '-')}").strip("-"))
        for last in sorted(set(last_m))[:600]:
            companies.append(f"{last} і партнери")
            companies_lat.append(translit(last) + "-partners")

        def arr(xs: list[str]) -> np.ndarray:
            return np.array(xs, dtype=str)

        return cls(arr(first_m), arr(first_f), arr(last_m), arr(last_f),
                   arr([translit(x) for x in first_m]), arr([translit(x) for x in first_f]),
                   arr([translit(x) for x in last_m]), arr([translit(x) for x in last_f]),
                   arr(companies), arr(companies_lat))

    def people(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """n person names 'Ім'я Прізвище' (gender-consistent), with Latin first and last names."""
        female = rng.random(n) < 0.5
        i_first = rng.integers(0, len(self.first_m), n)
        i_last = rng.integers(0, len(self.last_m), n)
        first = np.where(female, self.first_f[i_first], self.first_m[i_first])
        last = np.where(female, self.last_f[i_last], self.last_m[i_last])
        first_lat = np.where(female, self.first_f_lat[i_first], self.first_m_lat[i_first])
        last_lat = np.where(female, self.last_f_lat[i_last], self.last_m_lat[i_last])
        full = np.strings.add(np.strings.add(first, " "), last)
        return full, first_lat, last_lat


def _join(*parts: np.ndarray | str) -> np.ndarray:
    out = parts[0]
    for p in parts[1:]:
        out = np.strings.add(out, p)
    return out


def customer_pii(rng: np.random.Generator, pools: NamePools, segment: np.ndarray) -> dict[str, np.ndarray]:
    """full_name, email, phone (and their null masks) for customers of segments 0 retail, 1 smb, 2 enterprise."""
    n = len(segment)
    full, first_lat, last_lat = pools.people(rng, n)
    # companies: smb are half sole proprietors (ФОП), half companies; enterprise are companies
    i_comp = rng.integers(0, len(pools.companies), n)
    form = rng.choice(np.array(["ТОВ", "ПП", "ПрАТ", "АТ"]), size=n, p=[0.72, 0.14, 0.09, 0.05])
    company = _join(form, " «", pools.companies[i_comp], "»")
    is_company = (segment == 2) | ((segment == 1) & (rng.random(n) < 0.5))
    is_fop = (segment == 1) & ~is_company
    name = np.where(is_company, company, np.where(is_fop, _join("ФОП ", full), full))

    digits = rng.integers(0, 100, n).astype(str)
    digits = np.where(rng.random(n) < 0.5, "", digits)
    domain = rng.choice(_EMAIL_DOMAINS, size=n, p=_EMAIL_DOMAIN_P)
    pattern = rng.integers(0, 3, n)
    local = np.where(pattern == 0, _join(first_lat, ".", last_lat),
                     np.where(pattern == 1, _join(last_lat, ".", first_lat), _join(first_lat, "_", last_lat)))
    person_email = _join(local, digits, "@", domain)
    box = rng.choice(np.array(["info", "sales", "office", "zakupivli"]), size=n)
    tld = rng.choice(np.array([".com.ua", ".ua", ".com"]), size=n, p=[0.5, 0.3, 0.2])
    company_email = _join(box, "@", pools.companies_lat[i_comp], tld)
    email = np.where(is_company, company_email, person_email)

    phone = _join("+380", rng.choice(_PHONE_CODES, size=n),
                  np.strings.zfill(rng.integers(0, 10_000_000, n).astype(str), 7))
    return {"full_name": name, "email": email, "email_null": rng.random(n) < 0.07,
            "phone": phone, "phone_null": rng.random(n) < 0.03}


# ---------------------------------------------------------------------------------------------
# Staff
# ---------------------------------------------------------------------------------------------
def _group_plan(staff_factor: float) -> list[tuple[int, str, float, int, bool]]:
    """(department index, role, headcount on the first export day, minimum, grows) per group."""
    plan = []
    for i, w in enumerate(REGION_WEIGHTS):
        reps = max(2.0, _SALES_REPS * w * staff_factor)
        plan.append((SALES0 + i, "sales", reps, 2, True))
        plan.append((SALES0 + i, "manager", max(1.0, round(reps / 12)), 1, False))
        agents = max(1.0, _SUPPORT_AGENTS * w * staff_factor)
        plan.append((SUPPORT0 + i, "support", agents, 1, True))
        plan.append((SUPPORT0 + i, "manager", max(1.0, round(agents / 12)), 1, False))
    for dept, role, n1, minimum in _CENTRAL:
        plan.append((DEPARTMENTS.index(dept), role, max(float(minimum), n1 * staff_factor), minimum, False))
    return plan


@dataclass
class Staff:
    """Everyone employed at some point of the export window."""

    dept: np.ndarray  # index into DEPARTMENTS
    role: np.ndarray  # index into contract ROLES
    hired: np.ndarray  # day number
    term: np.ndarray  # day number of the last day, NO_END = still employed
    ids: np.ndarray
    full_name: np.ndarray
    hourly_cost: np.ndarray
    hourly_cost_null: np.ndarray

    def __len__(self) -> int:
        return len(self.dept)

    def active_on(self, day: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return (self.hired[idx] <= day) & (self.term[idx] >= day)

    def pick(self, rng: np.random.Generator, day: np.ndarray, dept: np.ndarray, role: str | tuple[str, ...]) -> np.ndarray:
        """For each event day, an employee of ``dept`` with ``role`` employed that day.

        Vectorised rejection sampling per group (among those hired by the day, accept those not
        yet gone); falls back to the same role in any department, then to anyone employed.
        """
        day = np.asarray(day, dtype=np.int64)
        dept = np.broadcast_to(np.asarray(dept), day.shape)
        roles = (role,) if isinstance(role, str) else role
        role_mask = np.isin(self.role, [ROLE[r] for r in roles])
        out = np.full(len(day), -1, dtype=np.int64)
        for d in np.unique(dept):
            ev = np.flatnonzero(dept == d)
            cand = np.flatnonzero(role_mask & (self.dept == d))
            out[ev] = self._pick_among(rng, day[ev], cand)
        missing = np.flatnonzero(out < 0)
        if len(missing):
            out[missing] = self._pick_among(rng, day[missing], np.flatnonzero(role_mask))
        missing = np.flatnonzero(out < 0)
        if len(missing):
            out[missing] = self._pick_among(rng, day[missing], np.arange(len(self)))
        if (out < 0).any():
            raise RuntimeError("no employee employed on some event day")
        return out

    def _pick_among(self, rng: np.random.Generator, day: np.ndarray, cand: np.ndarray) -> np.ndarray:
        out = np.full(len(day), -1, dtype=np.int64)
        if len(cand) == 0 or len(day) == 0:
            return out
        cand = cand[np.argsort(self.hired[cand], kind="stable")]
        hired = self.hired[cand]
        n_hired = np.searchsorted(hired, day, side="right")
        todo = np.flatnonzero(n_hired > 0)
        for _ in range(60):
            if len(todo) == 0:
                break
            j = cand[(rng.random(len(todo)) * n_hired[todo]).astype(np.int64)]
            ok = self.term[j] >= day[todo]
            out[todo[ok]] = j[ok]
            todo = todo[~ok]
        return out


def simulate_staff(rng: np.random.Generator, pools: NamePools, timeline: Timeline, staff_factor: float) -> Staff:
    """Hires and leavers month by month per (department, role); headcount of sales and support
    grows with the business. Keeps everyone employed on some day of the export window."""
    months = month_start_days(timeline.first_day, timeline.end_day)
    month_ends = np.append(months[1:] - 1, timeline.end_day)
    years = (months - timeline.start_day) / 365.25
    dept_l, role_l, hired_l, term_l = [], [], [], []
    for dept, role, n_start, minimum, grows in _group_plan(staff_factor):
        growth = (1 + STAFF_GROWTH) ** years if grows else np.ones(len(months))
        target = np.maximum(minimum, np.round(n_start * growth))
        n0 = int(target[0])
        hired = list(timeline.first_day - rng.integers(30, 8 * 365, n0))
        term = [NO_END] * n0
        for m, (first, last) in enumerate(zip(months, month_ends)):
            h, t = np.array(hired), np.array(term)
            active = np.flatnonzero((h <= first) & (t > first))
            leave = active[rng.random(len(active)) < LEAVE_RATE[role]]
            for i in leave:  # a handful per month; each leaver is replaced, with a short handover
                end = int(first + rng.integers(0, last - first + 1))
                term[i] = end
                hired.append(max(int(first), end - int(rng.integers(0, 11))))
                term.append(NO_END)
            n_active = len(active)
            for _ in range(max(0, int(target[m]) - n_active)):
                hired.append(int(first + rng.integers(0, last - first + 1)))
                term.append(NO_END)
        n = len(hired)
        dept_l.append(np.full(n, dept))
        role_l.append(np.full(n, ROLE[role]))
        hired_l.append(np.array(hired, dtype=np.int64))
        term_l.append(np.array(term, dtype=np.int64))
    dept_a, role_a = np.concatenate(dept_l), np.concatenate(role_l)
    hired_a, term_a = np.concatenate(hired_l), np.concatenate(term_l)
    keep = (term_a >= timeline.start_day) & (hired_a <= timeline.end_day)
    dept_a, role_a, hired_a, term_a = dept_a[keep], role_a[keep], hired_a[keep], term_a[keep]
    term_a = np.where(term_a > timeline.end_day, NO_END, term_a)  # not yet left at export time
    order = np.lexsort((role_a, dept_a, hired_a))
    dept_a, role_a, hired_a, term_a = dept_a[order], role_a[order], hired_a[order], term_a[order]
    n = len(dept_a)
    width = max(4, len(str(n)))
    ids = np.strings.add("E", np.strings.zfill(np.arange(1, n + 1).astype(str), width))
    full, _, _ = pools.people(rng, n)
    median = np.array([HOURLY_COST[r] for r in ROLES])[role_a]
    cost = np.round(median * np.exp(0.18 * rng.standard_normal(n)), 2)
    return Staff(dept_a, role_a, hired_a, term_a, ids, full, cost, rng.random(n) < 0.03)


def region_dept(rng: np.random.Generator, region: np.ndarray, first: int, stay: float = 0.9) -> np.ndarray:
    """Department index for events of customers in ``region``: the customer's own regional
    department with probability ``stay``, otherwise another region (overflow, key accounts)."""
    other = rng.choice(len(REGIONS), size=len(region), p=REGION_WEIGHTS)
    return first + np.where(rng.random(len(region)) < stay, region, other)


def employed_days(staff: Staff, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(employee index, day) for every employee and every given day they were employed."""
    emp = np.repeat(np.arange(len(staff)), len(days))
    day = np.tile(days, len(staff))
    ok = (staff.hired[emp] <= day) & (staff.term[emp] >= day)
    return emp[ok], day[ok]
