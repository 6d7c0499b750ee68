"""The legacy billing schema ("RW") as data: tables, columns, keys, as the vendor's SPEC describes it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # id | int | smallint | char(n) | varchar(n) | text | money | qty | price | date | datetime
    nullable: bool = False
    sqlite_text: bool = False  # SQLite deployments keep some money/quantity columns as TEXT

    @property
    def length(self) -> int | None:
        if "(" in self.type:
            return int(self.type[self.type.index("(") + 1 : -1])
        return None

    @property
    def base(self) -> str:
        return self.type.split("(")[0]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    auto_id: bool = False  # interface tables: ID allocated by the database
    unique: tuple[str, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    interface: bool = False  # an IBOK_* table the integration writes to

    @property
    def pk(self) -> str:
        return self.columns[0].name

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def has_data_mod(self) -> bool:
        return "DATA_MOD" in self.column_names


def _c(name: str, type_: str, nullable: bool = False, sqlite_text: bool = False) -> Column:
    return Column(name, type_, nullable, sqlite_text)


def _t(
    name: str,
    *columns: Column,
    auto_id: bool = False,
    unique: tuple[str, ...] = (),
    indexes: tuple[tuple[str, ...], ...] = (),
    interface: bool = False,
) -> Table:
    cols = tuple(columns)
    if any(c.name == "DATA_MOD" for c in cols):
        indexes = (("DATA_MOD", cols[0].name),) + indexes
    return Table(name, cols, auto_id=auto_id, unique=unique, indexes=indexes, interface=interface)


ADDRESS = (
    _c("ULICA", "varchar(60)"),
    _c("NR_DOMU", "varchar(10)"),
    _c("NR_LOKALU", "varchar(10)", nullable=True),
    _c("KOD_POCZTOWY", "char(6)"),
    _c("MIEJSCOWOSC", "varchar(60)"),
)

TABLES: tuple[Table, ...] = (
    _t(
        "ODBIORCY",
        _c("ID_ODB", "id"),
        _c("NR_KLIENTA", "char(6)"),
        _c("NAZWA", "varchar(120)"),
        _c("NIP", "char(10)", nullable=True),
        *ADDRESS,
        _c("EMAIL", "varchar(80)", nullable=True),
        _c("TELEFON", "varchar(20)", nullable=True),
        _c("E_FAKTURA", "char(1)"),
        _c("DATA_MOD", "datetime"),
        unique=("NR_KLIENTA",),
    ),
    _t(
        "ODDZIALY",
        _c("ID_ODDZ", "id"),
        _c("NAZWA", "varchar(120)"),
        _c("NIP", "char(10)"),
        _c("ADRES", "varchar(160)"),
        _c("NR_KONTA", "varchar(32)"),
    ),
    _t("PUNKTY", _c("ID_PKT", "id"), *ADDRESS, _c("REJON", "char(4)"), _c("DATA_MOD", "datetime")),
    _t(
        "UMOWY",
        _c("ID_UMOWY", "id"),
        _c("NR_UMOWY", "varchar(20)"),
        _c("ID_ODB", "int"),
        _c("ID_PKT", "int"),
        _c("ID_ODDZ", "int"),
        _c("RODZAJ", "char(2)"),
        _c("TARYFA", "varchar(8)"),
        _c("DATA_ZAWARCIA", "date"),
        _c("DATA_OD", "date"),
        _c("DATA_DO", "date", nullable=True),
        _c("STATUS", "char(1)"),
        _c("DATA_MOD", "datetime"),
        indexes=(("ID_ODB",), ("ID_PKT",)),
    ),
    _t(
        "WODOMIERZE",
        _c("ID_WOD", "id"),
        _c("NR_FABRYCZNY", "varchar(20)"),
        _c("ID_PKT", "int"),
        _c("RODZAJ", "char(1)"),
        _c("SREDNICA", "smallint"),
        _c("DATA_MONTAZU", "date"),
        _c("DATA_DEMONTAZU", "date", nullable=True),
        _c("LEGALIZACJA_DO", "date"),
        indexes=(("ID_PKT",),),
    ),
    _t(
        "ODCZYTY",
        _c("ID_ODCZ", "id"),
        _c("ID_WOD", "int"),
        _c("DATA_ODCZYTU", "date"),
        _c("STAN", "qty"),
        _c("ZUZYCIE", "qty"),
        _c("ZRODLO", "char(1)"),
        _c("DATA_MOD", "datetime"),
        indexes=(("ID_WOD", "DATA_ODCZYTU"),),
    ),
    _t(
        "FAKTURY",
        _c("ID_FAKT", "id"),
        _c("NR_FAKTURY", "varchar(30)"),
        _c("ID_ODB", "int"),
        _c("ID_UMOWY", "int"),
        _c("TYP", "char(1)"),
        _c("ID_FAKT_KORYG", "int", nullable=True),
        _c("DATA_WYSTAWIENIA", "date"),
        _c("OKRES_OD", "date"),
        _c("OKRES_DO", "date"),
        _c("TERMIN_PLATNOSCI", "date"),
        _c("NETTO", "money"),
        _c("VAT", "money"),
        _c("BRUTTO", "money"),
        _c("ANULOWANA", "char(1)"),
        _c("SCIEZKA_PDF", "varchar(200)", nullable=True),
        _c("DATA_MOD", "datetime"),
        indexes=(("ID_ODB",),),
    ),
    _t(
        "POZYCJE_FAKTURY",
        _c("ID_POZ", "id"),
        _c("ID_FAKT", "int"),
        _c("LP", "smallint"),
        _c("NAZWA", "varchar(80)"),
        _c("ILOSC", "qty"),
        _c("JM", "varchar(5)"),
        _c("CENA_NETTO", "price"),
        _c("STAWKA_VAT", "varchar(3)"),
        _c("NETTO", "money"),
        _c("VAT", "money"),
        _c("BRUTTO", "money"),
        indexes=(("ID_FAKT",),),
    ),
    _t(
        "WPLATY",
        _c("ID_WPL", "id"),
        _c("ID_ODB", "int"),
        _c("DATA_WPLATY", "date"),
        _c("KWOTA", "money", sqlite_text=True),
        _c("FORMA", "char(1)"),
        _c("TYTUL", "varchar(140)"),
        _c("DATA_MOD", "datetime"),
        indexes=(("ID_ODB",),),
    ),
    _t(
        "ROZRACHUNKI",
        _c("ID_FAKT", "id"),
        _c("ZAPLACONO", "money"),
        _c("POZOSTALO", "money"),
        _c("DATA_ROZLICZENIA", "date", nullable=True),
        _c("DATA_MOD", "datetime"),
    ),
    _t(
        "AWARIE",
        _c("ID_AWARII", "id"),
        _c("REJON", "char(4)"),
        _c("OD", "datetime"),
        _c("DO", "datetime", nullable=True),
        _c("OPIS", "varchar(400)"),
        _c("DATA_MOD", "datetime"),
    ),
    _t(
        "SPRAWY_HISTORIA",
        _c("ID_HIST", "id"),
        _c("NR_SPRAWY", "varchar(30)"),
        _c("DATA", "datetime"),
        _c("ETAP", "varchar(120)"),
        indexes=(("NR_SPRAWY",),),
    ),
    _t(
        "IBOK_ODCZYTY",
        _c("ID_ZGL", "id"),
        _c("KLUCZ", "char(36)"),
        _c("ID_WOD", "int"),
        _c("DATA_ODCZYTU", "date"),
        _c("STAN", "qty", sqlite_text=True),
        _c("DATA_ZGLOSZENIA", "datetime"),
        _c("STATUS", "char(1)"),
        _c("UWAGI", "varchar(200)", nullable=True),
        _c("ID_ODCZ", "int", nullable=True),
        _c("DATA_MOD", "datetime"),
        auto_id=True,
        unique=("KLUCZ",),
        interface=True,
    ),
    _t(
        "IBOK_ZGLOSZENIA",
        _c("ID_ZGL", "id"),
        _c("KLUCZ", "char(36)"),
        _c("ID_ODB", "int"),
        _c("KATEGORIA", "char(3)"),
        _c("TEMAT", "varchar(120)"),
        _c("TRESC", "text"),
        _c("DATA_ZGLOSZENIA", "datetime"),
        _c("NR_SPRAWY", "varchar(30)", nullable=True),
        _c("STATUS", "char(1)"),
        _c("ODPOWIEDZ", "text", nullable=True),
        _c("DATA_MOD", "datetime"),
        auto_id=True,
        unique=("KLUCZ",),
        interface=True,
    ),
    _t(
        "IBOK_ZMIANY",
        _c("ID_ZM", "id"),
        _c("KLUCZ", "char(36)"),
        _c("ID_ODB", "int"),
        _c("POLE", "varchar(12)"),
        _c("WARTOSC", "varchar(80)"),
        _c("DATA_ZGLOSZENIA", "datetime"),
        _c("STATUS", "char(1)"),
        _c("UWAGI", "varchar(200)", nullable=True),
        _c("DATA_MOD", "datetime"),
        auto_id=True,
        unique=("KLUCZ",),
        interface=True,
    ),
    # Not in the integrators' SPEC: the billing application's own sequences,
    # which is why ID_* values are not monotonic in commit order.
    _t("SEKWENCJE", _c("NAZWA", "varchar(30)"), _c("WARTOSC", "int")),
)

BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
