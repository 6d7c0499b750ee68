"""Polish names, streets and towns for the stand-in generator (fixed lists: data must not drift)."""

from __future__ import annotations

MALE_FIRST = (
    "Adam", "Andrzej", "Bartłomiej", "Bogdan", "Czesław", "Damian", "Dariusz", "Grzegorz",
    "Henryk", "Jacek", "Jakub", "Jan", "Janusz", "Jarosław", "Jerzy", "Józef", "Kazimierz",
    "Krzysztof", "Łukasz", "Maciej", "Marek", "Mariusz", "Mateusz", "Michał", "Mirosław",
    "Paweł", "Piotr", "Przemysław", "Rafał", "Robert", "Ryszard", "Sławomir", "Stanisław",
    "Szymon", "Tadeusz", "Tomasz", "Wiesław", "Wojciech", "Zbigniew", "Zdzisław",
)
FEMALE_FIRST = (
    "Agnieszka", "Aleksandra", "Alicja", "Anna", "Barbara", "Beata", "Bożena", "Danuta",
    "Dorota", "Elżbieta", "Ewa", "Grażyna", "Halina", "Irena", "Jadwiga", "Janina", "Joanna",
    "Jolanta", "Katarzyna", "Krystyna", "Magdalena", "Małgorzata", "Maria", "Marta",
    "Monika", "Natalia", "Renata", "Stanisława", "Teresa", "Urszula", "Wanda", "Zofia",
    "Żaneta", "Łucja", "Ewelina", "Agata",
)
# (male form, female form)
SURNAMES = (
    ("Nowak", "Nowak"), ("Kowalski", "Kowalska"), ("Wiśniewski", "Wiśniewska"),
    ("Wójcik", "Wójcik"), ("Kowalczyk", "Kowalczyk"), ("Kamiński", "Kamińska"),
    ("Lewandowski", "Lewandowska"), ("Zieliński", "Zielińska"), ("Szymański", "Szymańska"),
    ("Woźniak", "Woźniak"), ("Dąbrowski", "Dąbrowska"), ("Kozłowski", "Kozłowska"),
    ("Jankowski", "Jankowska"), ("Mazur", "Mazur"), ("Wojciechowski", "Wojciechowska"),
    ("Kwiatkowski", "Kwiatkowska"), ("Krawczyk", "Krawczyk"), ("Kaczmarek", "Kaczmarek"),
    ("Piotrowski", "Piotrowska"), ("Grabowski", "Grabowska"), ("Zając", "Zając"),
    ("Pawłowski", "Pawłowska"), ("Michalski", "Michalska"), ("Król", "Król"),
    ("Wieczorek", "Wieczorek"), ("Jabłoński", "Jabłońska"), ("Wróbel", "Wróbel"),
    ("Nowakowski", "Nowakowska"), ("Majewski", "Majewska"), ("Olszewski", "Olszewska"),
    ("Stępień", "Stępień"), ("Malinowski", "Malinowska"), ("Jaworski", "Jaworska"),
    ("Adamczyk", "Adamczyk"), ("Dudek", "Dudek"), ("Górski", "Górska"),
    ("Witkowski", "Witkowska"), ("Walczak", "Walczak"), ("Sikora", "Sikora"),
    ("Baran", "Baran"), ("Szewczyk", "Szewczyk"), ("Ostrowski", "Ostrowska"),
    ("Tomaszewski", "Tomaszewska"), ("Pietrzak", "Pietrzak"), ("Zalewski", "Zalewska"),
    ("Wróblewski", "Wróblewska"), ("Jasiński", "Jasińska"), ("Bąk", "Bąk"),
    ("Zawadzki", "Zawadzka"), ("Sadowski", "Sadowska"), ("Chmielewski", "Chmielewska"),
    ("Czarnecki", "Czarnecka"), ("Sokołowski", "Sokołowska"), ("Kaźmierczak", "Kaźmierczak"),
    ("Cieślak", "Cieślak"), ("Głowacki", "Głowacka"), ("Kołodziej", "Kołodziej"),
    ("Szczepański", "Szczepańska"), ("Kalinowski", "Kalinowska"), ("Wąsik", "Wąsik"),
    ("Ziółkowski", "Ziółkowska"), ("Żak", "Żak"), ("Łuczak", "Łuczak"),
    ("Gołębiowski", "Gołębiowska"), ("Ślusarczyk", "Ślusarczyk"), ("Źrałek", "Źrałek"),
    ("Ćwikliński", "Ćwiklińska"), ("Żółtowski", "Żółtowska"), ("Błaszczyk", "Błaszczyk"),
    ("Brzęczyszczykiewicz", "Brzęczyszczykiewicz"), ("Gąsiorowski", "Gąsiorowska"),
)
# Company names are kept in capitals, as billing systems often hold them.
COMPANY_KINDS = (
    "PRZEDSIĘBIORSTWO HANDLOWO-USŁUGOWE", "ZAKŁAD ŚLUSARSKI", "PIEKARNIA",
    "SPÓŁDZIELNIA MIESZKANIOWA", "GOSPODARSTWO OGRODNICZE", "ZAKŁAD USŁUG KOMUNALNYCH",
    "PRZEDSZKOLE NIEPUBLICZNE", "MYJNIA SAMOCHODOWA", "HOTEL", "RESTAURACJA",
    "WSPÓLNOTA MIESZKANIOWA", "PRALNIA",
)
COMPANY_WORDS = (
    "ŻURAW", "ŁĄCZNIK", "ŚNIEŻKA", "ŹRÓDEŁKO", "GĄSKA", "MAŃKOWSKI", "SŁONECZNA", "ĆMA",
    "ZDRÓJ", "WIĘŹ", "PÓŁNOC", "ŁOŚ", "KASZTAN", "ZAGŁĘBIE", "JAŚMIN", "BOŃCZA",
)
COMPANY_SUFFIXES = ("SP. Z O.O.", "S.C.", "SP. J.", "", "SP. K.")

STREETS = (
    "Łąkowa", "Źródlana", "Żeromskiego", "Świętokrzyska", "Ogrodowa", "Kościuszki",
    "Mickiewicza", "Słoneczna", "Polna", "Leśna", "Kwiatowa", "Szkolna", "Lipowa",
    "Brzozowa", "Wiśniowa", "Akacjowa", "Różana", "Sienkiewicza", "Piłsudskiego",
    "Wojska Polskiego", "Jana Pawła II", "Ćwiklińskiej", "Żwirki i Wigury", "Ślusarska",
    "Grunwaldzka", "Dębowa", "Jaśminowa", "Młyńska", "Nadrzeczna", "Ułańska", "Źrebięca",
    "Księżycowa", "Wąska", "Plac Wolności", "Aleja Róż", "Pięćdziesięciolecia", "Łódzka",
    "Żółkiewskiego", "Ósmego Marca",
)
# (town, postal code prefix, network districts REJON that serve it)
TOWNS = (
    ("Zgierz", "95-1", ("R01", "R02", "R03")),
    ("Łódź", "93-5", ("R04", "R05", "R06")),
    ("Ozorków", "95-0", ("R07",)),
    ("Aleksandrów Łódzki", "95-0", ("R08", "R09")),
    ("Stryków", "95-0", ("R10",)),
    ("Głowno", "95-0", ("R11",)),
    ("Łęczyca", "99-1", ("R12",)),
    ("Żychlin", "99-3", ("R13",)),
    ("Śladków Mały", "95-0", ("R14",)),
)
# NR_KONTA (VARCHAR(32)) is typed in by hand: as the IBAN, as the 26 digits in groups or with dashes (all valid).
SELLERS = (
    (1, "Przedsiębiorstwo Wodociągów i Kanalizacji „Źródło” Sp. z o.o.", "7320001122",
     "ul. Łąkowa 11, 95-100 Zgierz", "PL61109010140000071219812874"),
    (2, "PWiK „Źródło” Sp. z o.o. – Oddział Ozorków", "7320001122",
     "ul. Żeromskiego 4, 95-035 Ozorków", "27 1140 2004 0000 3002 0135 5387"),
    (3, "PWiK „Źródło” Sp. z o.o. – Oddział Łęczyca", "7320001122",
     "pl. Kościuszki 2, 99-100 Łęczyca", "83-1010-1023-0000-2613-9510-0000"),
)
EMAIL_DOMAINS = ("poczta.onet.pl", "wp.pl", "gmail.com", "interia.pl", "o2.pl", "op.pl")

OUTAGE_TEXTS = (
    "Awaria sieci wodociągowej przy ul. {street}. Możliwe przerwy w dostawie wody.",
    "Planowane prace na sieci przy ul. {street}: przerwa w dostawie wody, beczkowóz na miejscu.",
    "Płukanie sieci wodociągowej w rejonie ul. {street}. Możliwe spadki ciśnienia i zmętnienie wody.",
    "Usuwanie awarii przyłącza kanalizacyjnego przy ul. {street}.",
)
CASE_STAGES = (
    "Zarejestrowano zgłoszenie",
    "Przekazano do Działu Obsługi Klienta",
    "Przekazano do Działu Technicznego",
    "Wysłano odpowiedź do klienta",
    "Sprawę zamknięto",
)
