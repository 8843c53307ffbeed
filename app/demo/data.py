"""The demo neighbourhood: Overvecht, Utrecht (see API.md, "Demo data")."""

from __future__ import annotations

ORGANIZATIONS = (
    ("Buurtteam Overvecht", "buurtteam"),
    ("Schuldhulp Utrecht", "schuldhulp"),
    ("Welzijn Overvecht", "welzijn"),
    ("Dreefwonen", "woningcorporatie"),
)

# email, name, role, organisation
USERS = (
    ("coach@buurtpad.test", "Sanne de Vries", "flatcoach", "Welzijn Overvecht"),
    ("coach2@buurtpad.test", "Youssef Amrani", "flatcoach", "Welzijn Overvecht"),
    ("buurtteam@buurtpad.test", "Marieke Jansen", "professional", "Buurtteam Overvecht"),
    ("schuldhulp@buurtpad.test", "Kemal Yilmaz", "professional", "Schuldhulp Utrecht"),
    ("privacy@buurtpad.test", "Ingrid Bakker", "privacy_officer", "Welzijn Overvecht"),
    ("coordinator@buurtpad.test", "Rachid Benali", "coordinator", "Welzijn Overvecht"),
)
# Work phone numbers (made up), for colleagues who receive a handover to call.
WORK_PHONES = {
    "coach@buurtpad.test": "0612345671",
    "coach2@buurtpad.test": "0612345672",
    "buurtteam@buurtpad.test": "0302345673",
    "schuldhulp@buurtpad.test": "0302345674",
}

# name, postcode prefix, dwellings per floor, coach email
BUILDINGS = (
    ("Tigrisdreef", "3561", 10, "coach@buurtpad.test"),
    ("Zambesidreef", "3562", 12, "coach@buurtpad.test"),
    ("Ankaradreef", "3563", 8, "coach2@buurtpad.test"),
    ("Haifadreef", "3563", 11, "coach2@buurtpad.test"),
)
FLOORS = 10

# Overvecht is diverse: many residents have a Moroccan, Turkish, Surinamese or other
# background besides Dutch; names are drawn from these lists and Faker's nl_NL locale.
MIGRANT_NAMES = {
    "moroccan": (
        ("Fatima", "Mohamed", "Khadija", "Youssef", "Nadia", "Hamza", "Samira", "Mustafa",
         "Imane", "Said", "Malika", "Rachid", "Houda", "Abdelkader"),
        ("El Amrani", "Bouzid", "El Idrissi", "Ouali", "Azzouzi", "Benali", "Chaoui",
         "El Khattabi", "Ait Taleb", "Boukhari", "Ziani", "Hamdaoui"),
    ),
    "turkish": (
        ("Ayşe", "Mehmet", "Fatma", "Ahmet", "Elif", "Mustafa", "Zeynep", "Hüseyin",
         "Emine", "Hasan", "Hatice", "Ibrahim"),
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın",
         "Arslan", "Doğan", "Koç", "Kurt"),
    ),
    "surinamese": (
        ("Sharon", "Ramon", "Giovanni", "Priscilla", "Romano", "Natasha", "Rishi",
         "Anjali", "Clyde", "Gerda", "Ravi", "Shanti"),
        ("Kromodimedjo", "Ramdin", "Biharie", "Pinas", "Sital", "Lachman", "Tjon A Fong",
         "Bakboord", "Ramsaran", "Wongsodikromo", "Kasanpawiro", "Misiedjan"),
    ),
    "other": (
        ("Amina", "Abdi", "Hodan", "Tesfay", "Mariam", "Ali", "Marta", "Piotr", "Oksana",
         "Ahmad", "Layla", "Kwame"),
        ("Warsame", "Haile", "Nowak", "Kowalski", "Hassan", "Shevchenko", "Mensah",
         "Al-Hussein", "Yusuf", "Tekle", "Popescu", "Osei"),
    ),
}

LANGUAGES = {
    "dutch": ["Nederlands"],
    "moroccan": ["Nederlands", "Arabisch", "Tamazight"],
    "turkish": ["Nederlands", "Turks"],
    "surinamese": ["Nederlands", "Sranantongo"],
    "other": ["Engels", "Somalisch", "Tigrinya", "Pools", "Oekraïens", "Arabisch"],
}
