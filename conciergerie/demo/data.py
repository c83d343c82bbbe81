"""The demo content, in French. Real partner names come from the press articles in shared/."""

from __future__ import annotations

from datetime import time

DEMO_PASSWORD = "demo-gambetta-59"

MEMBER_COMPANIES = [
    # slug, name, headcount in the building, yearly subscription in cents (0: not subscribing;
    # the cluster's scale runs from 300 € to 4,000 € by headcount), the domains of the staff's
    # addresses (made up, under example.org: a sign-up there is verified by its link)
    ("initiatives-et-cite", "Initiatives et Cité", 8, 110_000, "initiatives-et-cite.example.org"),
    ("grands-ensemble", "Grands Ensemble", 35, 380_000, "grands-ensemble.example.org"),
    ("smart", "Smart", 20, 0, "smart.example.org"),
    ("et-voila-gambetta", "Et voilà Gambetta (association)", 1, 30_000, "etvoila.example.org"),
]

CATEGORIES = [
    # slug, name
    ("entretien-textile", "Repassage, pressing et retouches"),
    ("cordonnerie", "Cordonnerie, clés et affûtage"),
    ("paniers", "Paniers et produits locaux"),
    ("reparations", "Réparations"),
]

# Offers: (name, price in cents, unit, turnaround in working days, description)
PROVIDERS = [
    {
        "slug": "cordonnerie-gambetta",
        "repairs": True,  # its services mend things (impact report)
        "name": "Cordonnerie Gambetta",
        "category": "cordonnerie",
        "summary": "Le cordonnier du quartier : semelles, talons, clés, entretien du cuir.",
        "description": (
            "Installé rue Gambetta depuis plus de vingt ans, l'atelier ressemelle, répare et "
            "entretient chaussures, sacs et ceintures, et reproduit les clés."
        ),
        "ess_status": "Artisan inscrit à la Chambre de métiers et de l'artisanat",
        "local_story": (
            "À quelques minutes à pied de La Grappe. Réparer plutôt que racheter : chaque paire "
            "ressemelée ici fait vivre un savoir-faire du quartier."
        ),
        "address": "112 rue Gambetta, 59000 Lille",
        "latitude": 50.62568,
        "longitude": 3.04981,
        "offers": [
            (
                "Ressemelage (demi-semelles)",
                1800,
                "la paire",
                3,
                "Semelles d'usure en gomme ou cuir.",
            ),
            (
                "Ressemelage complet cuir",
                4200,
                "la paire",
                5,
                "Semelle cuir cousue, finition cirée.",
            ),
            ("Talons femme (bonbouts)", 1200, "la paire", 1, ""),
            ("Talons homme", 1600, "la paire", 2, ""),
            ("Patins antidérapants", 1500, "la paire", 1, ""),
            (
                "Entretien et cirage",
                1000,
                "la paire",
                1,
                "Nettoyage, nourrissage et cirage du cuir.",
            ),
            ("Reproduction de clé simple", 500, "la clé", 0, ""),
            (
                "Reproduction de clé de sécurité",
                2500,
                "la clé",
                3,
                "Sur présentation de la carte de propriété.",
            ),
            (
                "Réparation de sac ou de ceinture",
                1500,
                "la pièce",
                5,
                "Couture, bride, boucle, fermeture : le cordonnier voit l'objet, puis propose "
                "un prix.",
            ),
        ],
        "on_quote": ["Réparation de sac ou de ceinture"],
    },
    {
        "slug": "lille-sud-insertion",
        "integration": True,
        "commission_rate_bp": 500,  # integration enterprises: the levy's low end
        "name": "Repassage Lille Sud Insertion",
        "category": "entretien-textile",
        "summary": "Le repassage de l'entreprise d'insertion Lille Sud Insertion.",
        "description": (
            "Les équipes de Lille Sud Insertion repassent et plient votre linge avec soin. "
            "Chaque commande contribue à un parcours de retour à l'emploi."
        ),
        "ess_status": "Entreprise d'insertion (structure d'insertion par l'activité économique)",
        "local_story": (
            "Une entreprise d'insertion de Lille-Sud : vos chemises financent des emplois "
            "accompagnés dans la métropole."
        ),
        "address": "Lille-Sud, 59000 Lille",
        "latitude": 50.61182,
        "longitude": 3.05121,
        "offers": [
            ("Chemise", 250, "la pièce", 2, "Repassée, sur cintre."),
            ("Lot de 5 chemises", 1100, "le lot", 2, "Repassées, sur cintres."),
            ("Pantalon", 300, "la pièce", 2, ""),
            ("Robe", 450, "la pièce", 2, ""),
            ("Drap ou housse de couette", 500, "la pièce", 2, "Repassé et plié."),
            (
                "Linge de maison au kilo",
                900,
                "le kilo",
                3,
                "Torchons, serviettes, taies : repassés et pliés.",
            ),
        ],
    },
    {
        "slug": "terre-d-opale",
        # grams per basket, for the kilograms of local produce in the impact report
        "weights": {
            "Panier solo": 2_500,
            "Panier duo": 4_500,
            "Panier famille": 7_500,
            "Panier de fruits": 2_000,
            "Œufs plein air": 360,
        },
        "integration": True,
        "commission_rate_bp": 500,  # integration enterprises: the levy's low end
        # Baskets brought per delivery (the eggs: as many as are ordered).
        "stock": {
            "Panier solo": 20,
            "Panier duo": 15,
            "Panier famille": 10,
            "Panier de fruits": 12,
        },
        "name": "Paniers de Terre d'Opale",
        "category": "paniers",
        "summary": "Paniers de fruits et légumes de saison, livrés chaque jeudi à La Grappe.",
        "description": (
            "Des légumes et fruits de saison cultivés par Terre d'Opale, composés en paniers "
            "et livrés au comptoir de la conciergerie une fois par semaine."
        ),
        "ess_status": "Maraîchage d'insertion (structure d'insertion par l'activité économique)",
        "local_story": (
            "Circuit court régional : du champ au comptoir sans intermédiaire, une seule "
            "livraison groupée par semaine pour tout le quartier."
        ),
        "address": "Côte d'Opale, Pas-de-Calais",
        "latitude": 50.72570,
        "longitude": 1.61390,
        "delivery_weekday": 3,  # Thursday
        "order_cutoff": (1, time(12, 0)),  # orders close on Tuesday at noon
        "offers": [
            ("Panier solo", 1000, "le panier", 0, "2 à 3 kg de légumes de saison."),
            ("Panier duo", 1500, "le panier", 0, "4 à 5 kg de légumes de saison."),
            ("Panier famille", 2200, "le panier", 0, "7 à 8 kg de légumes de saison."),
            ("Panier de fruits", 1200, "le panier", 0, "2 kg de fruits de saison."),
            ("Œufs plein air", 290, "la boîte de 6", 0, ""),
        ],
    },
    {
        "slug": "atelier-couture-wazemmes",
        "repairs": True,  # its services mend things (impact report)
        "name": "L'Atelier couture de Wazemmes",
        "category": "entretien-textile",
        "summary": "Retouches et réparations de vêtements, à deux rues du marché de Wazemmes.",
        "description": (
            "Une couturière retoucheuse installée rue des Postes : ourlets, fermetures éclair, "
            "ajustements, reprises."
        ),
        "ess_status": "Artisane inscrite à la Chambre de métiers et de l'artisanat",
        "local_story": "Un atelier indépendant du quartier : prolonger la vie des vêtements, ici.",
        "address": "23 rue des Postes, 59000 Lille",
        "latitude": 50.62497,
        "longitude": 3.04601,
        "offers": [
            ("Ourlet de pantalon", 1200, "la pièce", 3, ""),
            ("Ourlet de jean (ourlet d'origine)", 1500, "la pièce", 3, ""),
            ("Fermeture éclair de pantalon", 1500, "la pièce", 4, "Fermeture fournie."),
            ("Fermeture éclair de blouson", 2800, "la pièce", 5, "Fermeture fournie."),
            ("Reprise de taille", 2200, "la pièce", 5, ""),
            ("Raccourcir les manches", 2000, "la pièce", 5, ""),
        ],
    },
    {
        "slug": "pressing-nouvelle-aventure",
        "name": "Pressing de la Nouvelle Aventure",
        "category": "entretien-textile",
        "summary": "Nettoyage à l'eau, sans perchloréthylène, place de la Nouvelle Aventure.",
        "description": (
            "Un pressing de quartier converti à l'aquanettoyage : vestes, costumes, manteaux et "
            "couettes nettoyés sans solvant chloré."
        ),
        "ess_status": "Commerce indépendant du quartier",
        "local_story": "Sur la place du marché de Wazemmes, à cinq minutes de La Grappe.",
        "address": "4 place de la Nouvelle Aventure, 59000 Lille",
        "latitude": 50.62520,
        "longitude": 3.04530,
        "offers": [
            ("Veste", 900, "la pièce", 2, ""),
            ("Costume deux pièces", 1700, "le costume", 2, ""),
            ("Manteau", 1600, "la pièce", 3, ""),
            ("Robe", 1100, "la pièce", 2, ""),
            ("Couette deux personnes", 2400, "la pièce", 4, ""),
        ],
    },
    {
        "slug": "horlogerie-solferino",
        "repairs": True,  # its services mend things (impact report)
        "name": "Horlogerie Solférino",
        "category": "reparations",
        "summary": "Piles, bracelets et révisions de montres, nettoyage de bijoux.",
        "description": "Un horloger-bijoutier artisan : changement de pile, bracelets, révisions.",
        "ess_status": "Artisan horloger, Chambre de métiers et de l'artisanat",
        "local_story": (
            "Un métier d'art qui se fait rare : l'atelier est à dix minutes de La Grappe."
        ),
        "address": "180 rue Solférino, 59000 Lille",
        "latitude": 50.63060,
        "longitude": 3.05610,
        "offers": [
            ("Changement de pile", 900, "la montre", 0, "Test d'étanchéité en sus."),
            ("Bracelet cuir posé", 2500, "la montre", 1, ""),
            ("Mise à taille d'un bracelet métal", 1200, "la montre", 1, ""),
            (
                "Révision de montre mécanique",
                9000,
                "la montre",
                15,
                "Démontage, nettoyage, huilage, réglage.",
            ),
            ("Nettoyage de bijou", 1000, "la pièce", 2, ""),
        ],
    },
    {
        "slug": "ordi-solidaire",
        "repairs": True,  # its services mend things (impact report)
        "name": "Ordi Solidaire Lille",
        "category": "reparations",
        "summary": "Réparation et remise en état d'ordinateurs et de téléphones.",
        "description": (
            "Diagnostic, nettoyage, remplacement de pièces et sauvegarde de données pour "
            "ordinateurs et smartphones."
        ),
        "ess_status": "Entreprise adaptée de l'économie sociale et solidaire",
        "local_story": (
            "Réparer plutôt que jeter, avec des emplois accessibles aux personnes en situation "
            "de handicap, à Wazemmes."
        ),
        "address": "57 rue de Wazemmes, 59000 Lille",
        "latitude": 50.62630,
        "longitude": 3.05020,
        "offers": [
            ("Diagnostic ordinateur", 2000, "l'appareil", 2, "Déduit du prix de la réparation."),
            ("Nettoyage et remise à neuf logicielle", 4500, "l'appareil", 3, ""),
            (
                "Remplacement d'écran de smartphone (main-d'œuvre)",
                3500,
                "l'appareil",
                3,
                "Pièce en sus, sur devis.",
            ),
            ("Sauvegarde et transfert de données", 3000, "l'appareil", 2, ""),
        ],
    },
    {
        "slug": "affuteur-des-moulins",
        "repairs": True,  # its services mend things (impact report)
        "name": "L'Affûteur des Moulins",
        "category": "cordonnerie",
        "summary": "Affûtage de couteaux, ciseaux et outils de jardin.",
        "description": (
            "Un rémouleur du quartier de Moulins : lames de cuisine, ciseaux, sécateurs."
        ),
        "ess_status": "Auto-entrepreneur, membre d'une coopérative d'activités et d'emploi",
        "local_story": (
            "Un entrepreneur accompagné par une coopérative d'activités : un métier de rue "
            "qui revit à Moulins."
        ),
        "address": "Rue d'Arras, 59000 Lille",
        "latitude": 50.61930,
        "longitude": 3.06480,
        "offers": [
            ("Couteau de cuisine", 500, "la lame", 2, ""),
            ("Couteau à pain", 700, "la lame", 2, ""),
            ("Ciseaux", 600, "la paire", 2, ""),
            ("Sécateur", 800, "la pièce", 3, "Affûtage et réglage."),
        ],
    },
]

# The desk's weekly hours: before work, at lunch, after work, and Saturday morning.
OPENING_HOURS = [
    *[(day, time(7, 30), time(9, 30)) for day in range(5)],
    *[(day, time(12, 0), time(14, 0)) for day in range(5)],
    *[(day, time(17, 30), time(20, 0)) for day in range(5)],
    (5, time(9, 0), time(12, 0)),
]

USERS = [
    # email, name, role, company slug, provider slug
    ("concierge@example.org", "Camille Delattre", "concierge", None, None),
    ("habitante@example.org", "Nadia Benali", "resident", None, None),
    ("salarie@example.org", "Thomas Vandamme", "employee", "grands-ensemble", None),
    # Signed up with a personal address: waits for the concierge (/gestion/salaries-a-verifier).
    ("salariee@example.org", "Julie Lemaire", "employee", "initiatives-et-cite", None),
    ("benevole@example.org", "Léa Dufour", "volunteer", None, None),
    ("volontaire2@example.org", "Yanis Morel", "volunteer", None, None),
    ("volontaire3@example.org", "Inès Carpentier", "volunteer", None, None),
    ("cordonnier@example.org", "Jean-Marc Lefebvre", "provider", None, "cordonnerie-gambetta"),
    ("repassage@example.org", "Samia Haddad", "provider", None, "lille-sud-insertion"),
    # The other providers' staff, who mark their work ready and read their statements.
    ("couture@example.org", "Sandrine Delannoy", "provider", None, "atelier-couture-wazemmes"),
    ("pressing@example.org", "Olivier Masquelier", "provider", None, "pressing-nouvelle-aventure"),
    ("horloger@example.org", "Bruno Catteau", "provider", None, "horlogerie-solferino"),
    ("ordi@example.org", "Nawel Ziani", "provider", None, "ordi-solidaire"),
    ("affuteur@example.org", "Didier Wattez", "provider", None, "affuteur-des-moulins"),
    ("paniers@example.org", "Aurélie Dhalluin", "provider", None, "terre-d-opale"),
    # The quarter's regular customers (residents, and employees of La Grappe on their
    # company's domain: verified by it). They sign in with the demo password too.
    ("martine.delcroix@example.org", "Martine Delcroix", "resident", None, None),
    ("karim.haddouche@example.org", "Karim Haddouche", "resident", None, None),
    ("sophie.verstraete@example.org", "Sophie Verstraete", "resident", None, None),
    ("jean-pierre.dubois@example.org", "Jean-Pierre Dubois", "resident", None, None),
    ("amina.cherif@example.org", "Amina Cherif", "resident", None, None),
    ("lucas.devos@example.org", "Lucas Devos", "resident", None, None),
    ("fatou.diallo@example.org", "Fatou Diallo", "resident", None, None),
    (
        "claire.vasseur@initiatives-et-cite.example.org",
        "Claire Vasseur",
        "employee",
        "initiatives-et-cite",
        None,
    ),
    (
        "mehdi.bouzid@grands-ensemble.example.org",
        "Mehdi Bouzid",
        "employee",
        "grands-ensemble",
        None,
    ),
    (
        "hugo.lefranc@grands-ensemble.example.org",
        "Hugo Lefranc",
        "employee",
        "grands-ensemble",
        None,
    ),
    ("pauline.deconinck@smart.example.org", "Pauline Deconinck", "employee", "smart", None),
]

# Employees whose link to their company waits for the concierge's decision.
PENDING_EMPLOYEES = {"salariee@example.org"}

# Residents on the tarif solidaire (no service fee), set by the concierge.
SOLIDARITY_RATE = {"fatou.diallo@example.org"}

# The three civic-service volunteers: how they move, and when they do rounds (local time).
# The most minutes of rounds a day some volunteers asked for (their profile).
VOLUNTEER_MAX_MINUTES = {"volontaire2@example.org": 120}
VOLUNTEERS = {
    "benevole@example.org": (
        "bike",
        [(day, time(9, 0), time(12, 0)) for day in range(5)]
        + [(day, time(14, 0), time(17, 0)) for day in (0, 1, 3)],
    ),
    "volontaire2@example.org": (
        "foot",
        [(day, time(14, 0), time(17, 30)) for day in range(5)],
    ),
    "volontaire3@example.org": (
        "cargo_bike",
        [(day, time(9, 30), time(12, 30)) for day in (1, 2, 3, 4, 5)],
    ),
}

# Providers' opening hours: most shops open Tuesday to Saturday; exceptions by slug.
SHOP_HOURS = [
    *[(day, time(9, 0), time(12, 30)) for day in range(1, 6)],
    *[(day, time(14, 0), time(19, 0)) for day in range(1, 6)],
]
PROVIDER_HOURS = {
    "lille-sud-insertion": [(day, time(8, 30), time(16, 30)) for day in range(5)],
    "terre-d-opale": [(day, time(8, 0), time(12, 0)) for day in (1, 3)],
    "ordi-solidaire": [(day, time(10, 0), time(18, 0)) for day in range(5)],
}

EVENTS = [
    # title, description, place, days from today, start (local), hours, capacity, provider slugs
    (
        "Café réparation avec la Cordonnerie Gambetta",
        "Apportez une paire de chaussures, un sac ou une ceinture fatigués : le cordonnier du "
        "quartier montre ce qui se répare et comment l'entretenir.",
        "La Grappe, salle de conférence — 75 rue Gambetta, Lille",
        8,
        time(18, 0),
        2,
        15,
        ["cordonnerie-gambetta"],
    ),
    (
        "Dégustation des paniers de Terre d'Opale",
        "Goûtez les légumes de saison de la semaine et rencontrez les maraîchers.",
        "Comptoir de la conciergerie — La Grappe, 75 rue Gambetta, Lille",
        10,
        time(12, 15),
        1,
        25,
        ["terre-d-opale"],
    ),
    (
        "Rencontre des habitant·es et des salarié·es de La Grappe",
        "Un moment pour dire ce que la conciergerie devrait proposer ensuite.",
        "La Grappe, cantine — 75 rue Gambetta, Lille",
        15,
        time(18, 30),
        2,
        None,
        [],
    ),
]

# The demo events' pictures (in demo/pictures/, drawn for the demo), by title.
EVENT_PICTURES = {
    "Café réparation avec la Cordonnerie Gambetta": "repair.jpg",
    "Dégustation des paniers de Terre d'Opale": "baskets.jpg",
    "Rencontre des habitant·es et des salarié·es de La Grappe": "meeting.jpg",
}

# Three months of the desk's life, replayed through the services (demo/history.py) ----------

# Customers served at the counter, without an account: name, phone.
WALK_INS = [
    ("Gérard Vanhoutte", "06 23 45 67 81"),
    ("Monique Lambin", "03 20 54 12 87"),
    ("Rachid Amrani", "07 61 22 90 14"),
    ("Colette Dufresne", "03 20 57 33 02"),
    ("Anthony Leroy", "06 47 18 52 09"),
]

# Texts (conciergerie.texts): customers who asked for them on "Mon compte", with their mobile;
# the walk-ins above with only a mobile are texted anyway, but for the one who replied STOP.
TEXTS_OPT_IN = {
    "martine.delcroix@example.org": "06 71 32 45 18",
    "karim.haddouche@example.org": "07 68 21 09 54",
}
TEXTS_STOPPED = ["+33647185209"]  # Anthony Leroy

# The demo accounts the browser tests order as pay online in the past: their own orders paid
# at the desk and not yet dropped off stay below MAX_OPEN_DESK_ORDERS.
ONLINE_ONLY = {"habitante@example.org", "salarie@example.org"}

# What the quarter brings to the desk: (provider slug, offer name, most items at once). An
# entry listed twice is ordered twice as often.
USUAL_SERVICES = [
    ("lille-sud-insertion", "Chemise", 5),
    ("lille-sud-insertion", "Chemise", 5),
    ("lille-sud-insertion", "Chemise", 3),
    ("lille-sud-insertion", "Lot de 5 chemises", 1),
    ("lille-sud-insertion", "Pantalon", 3),
    ("lille-sud-insertion", "Drap ou housse de couette", 2),
    ("lille-sud-insertion", "Linge de maison au kilo", 3),
    ("cordonnerie-gambetta", "Ressemelage (demi-semelles)", 1),
    ("cordonnerie-gambetta", "Ressemelage (demi-semelles)", 2),
    ("cordonnerie-gambetta", "Talons femme (bonbouts)", 1),
    ("cordonnerie-gambetta", "Talons homme", 1),
    ("cordonnerie-gambetta", "Entretien et cirage", 2),
    ("cordonnerie-gambetta", "Reproduction de clé simple", 3),
    ("cordonnerie-gambetta", "Réparation de sac ou de ceinture", 1),  # on quote
    ("atelier-couture-wazemmes", "Ourlet de pantalon", 2),
    ("atelier-couture-wazemmes", "Ourlet de jean (ourlet d'origine)", 1),
    ("atelier-couture-wazemmes", "Fermeture éclair de blouson", 1),
    ("atelier-couture-wazemmes", "Reprise de taille", 1),
    ("pressing-nouvelle-aventure", "Veste", 2),
    ("pressing-nouvelle-aventure", "Costume deux pièces", 1),
    ("pressing-nouvelle-aventure", "Manteau", 1),
    ("pressing-nouvelle-aventure", "Couette deux personnes", 1),
    ("horlogerie-solferino", "Changement de pile", 1),
    ("horlogerie-solferino", "Bracelet cuir posé", 1),
    ("ordi-solidaire", "Diagnostic ordinateur", 1),
    ("ordi-solidaire", "Nettoyage et remise à neuf logicielle", 1),
    ("affuteur-des-moulins", "Couteau de cuisine", 4),
    ("affuteur-des-moulins", "Ciseaux", 2),
]

# Baskets ordered once, without a subscription: (offer name, most at once).
# Closures of providers to come: slug, first and last day (days from today), the reason
# customers read.
PROVIDER_CLOSURES = [
    (
        "horlogerie-solferino",
        12,
        18,
        "Congés : l'horloger est au salon de l'horlogerie de Besançon.",
    ),
]

USUAL_BASKETS = [("Panier de fruits", 1), ("Œufs plein air", 2), ("Panier duo", 1)]

# The prices the cobbler names for lines on quote: (cents, what the work is).
QUOTES = [
    (1800, "Bride recousue et boucle remplacée."),
    (2400, "Fermeture éclair du sac changée, coutures reprises."),
    (1200, "Trou de ceinture ajouté et bords teintés."),
]

# What the desk notes on the items at drop-off, now and then.
DROPOFF_REMARKS = [
    "Talon gauche décollé.",
    "Tache d'encre sur la poche de poitrine.",
    "Un bouton manque au col.",
    "Cuir rayé sur le côté droit.",
]

# Work a provider finds it cannot do once it has the item, by provider slug.
CANNOT_DO = {
    "horlogerie-solferino": "Mouvement trop usé : la pièce ne se trouve plus.",
    "ordi-solidaire": "Carte mère hors service : la réparation coûterait plus que l'appareil.",
    "cordonnerie-gambetta": "Cuir trop sec pour tenir une nouvelle semelle.",
    "atelier-couture-wazemmes": "Tissu trop fin : un ourlet se verrait.",
}

# The concierge's goodwill gestures after a hand-over: (cents, reason).
GESTURES = [
    (300, "Un pli marqué au repassage, repris le lendemain."),
    (500, "Retard de trois jours sur le retrait prévu."),
]

# Basket subscriptions: customer e-mail, basket, quantity, every n weeks, usual pickup time,
# the week of the demo's past they subscribed in, and what they did along the way ("pause":
# two weeks of holidays, "skip": one week skipped, "stop": stopped after six weeks).
SUBSCRIPTIONS = [
    ("habitante@example.org", "Panier solo", 1, 1, time(17, 30), 0, ""),
    ("lucas.devos@example.org", "Panier solo", 1, 1, time(18, 30), 2, "stop"),
    ("karim.haddouche@example.org", "Panier famille", 1, 1, time(18, 0), 5, "pause"),
    ("claire.vasseur@initiatives-et-cite.example.org", "Panier duo", 1, 1, time(12, 0), 7, "skip"),
    ("martine.delcroix@example.org", "Panier de fruits", 1, 2, time(17, 30), 8, ""),
]

# Events held in the last months: title, description, place, days before today, start (local),
# hours, capacity, provider slugs, organiser e-mail, the customers who registered (by e-mail).
PAST_EVENTS = [
    (
        "Portes ouvertes de la conciergerie",
        "Découvrir le comptoir, les prestataires du quartier et les trois volontaires "
        "d'Unis-Cité qui font les tournées.",
        "Comptoir de la conciergerie — La Grappe, 75 rue Gambetta, Lille",
        80,
        time(17, 30),
        3,
        None,
        ["cordonnerie-gambetta", "lille-sud-insertion", "terre-d-opale"],
        "benevole@example.org",
        [
            "habitante@example.org",
            "martine.delcroix@example.org",
            "karim.haddouche@example.org",
            "sophie.verstraete@example.org",
            "jean-pierre.dubois@example.org",
            "claire.vasseur@initiatives-et-cite.example.org",
            "mehdi.bouzid@grands-ensemble.example.org",
            "salarie@example.org",
        ],
    ),
    (
        "Atelier : entretenir ses chaussures en cuir",
        "Cirer, nourrir, protéger : le cordonnier montre les bons gestes, cirage fourni.",
        "La Grappe, salle de formation — 75 rue Gambetta, Lille",
        45,
        time(18, 0),
        2,
        12,
        ["cordonnerie-gambetta"],
        "volontaire2@example.org",
        [
            "amina.cherif@example.org",
            "lucas.devos@example.org",
            "hugo.lefranc@grands-ensemble.example.org",
            "fatou.diallo@example.org",
            "habitante@example.org",
        ],
    ),
    (
        "Soupe de saison avec Terre d'Opale",
        "Une soupe des légumes de la semaine, préparée ensemble à la cantine de La Grappe.",
        "La Grappe, cantine — 75 rue Gambetta, Lille",
        17,
        time(12, 15),
        1,
        20,
        ["terre-d-opale"],
        "volontaire3@example.org",
        [
            "karim.haddouche@example.org",
            "pauline.deconinck@smart.example.org",
            "claire.vasseur@initiatives-et-cite.example.org",
            "sophie.verstraete@example.org",
            "martine.delcroix@example.org",
            "jean-pierre.dubois@example.org",
        ],
    ),
]

# Registered already for the coming events (by title): the customers' e-mails.
COMING_REGISTRATIONS = {
    "Café réparation avec la Cordonnerie Gambetta": [
        "martine.delcroix@example.org",
        "jean-pierre.dubois@example.org",
        "amina.cherif@example.org",
    ],
    "Dégustation des paniers de Terre d'Opale": [
        "karim.haddouche@example.org",
        "claire.vasseur@initiatives-et-cite.example.org",
    ],
}
