"""A deterministic stream of news stories, their republications by other outlets and the hard
negatives a near-duplicate filter must keep apart, with the truth, for ``dedup_quality.py``.

    python benchmarks/republish_corpus.py --docs 20000 --split dev --base generated \\
        --out stream.jsonl --truth truth.jsonl

What is in the stream. Every story is an *original*, published by one site. A republication
(*copy*) is the original's body after a random combination of the edits an outlet really
makes (``EDITS``): its own header and footer (up to ~15% of the length), a dateline or credit
added, removed or changed, typography (curly quotes, dashes, NBSP, ellipses), a few words
changed (at most 5%), a paragraph added or dropped, paragraphs merged or split, the text
hard-wrapped at ~70 columns. Copies come after their original, most soon after, some far
after. The documents that must *not* be merged with the story they were made from are:

* ``neg:followup``: another story that reuses one or two paragraphs of it (under 30% of
  either body);
* ``neg:quote``: another story that carries one of its long quotes;
* ``neg:boilerplate``: another story carrying the identical header and footer of the same
  site as it (a menu, promotions, a copyright line: about 20-30% of each document);
* ``neg:topic``: another story on the same topic (same country and institutions);

plus ``unrelated`` stories. The raw similarity printed on stderr is the Jaccard similarity of
the sets of character 5-grams of the lower-cased texts, with no other normalisation: it
measures how far the edits move a copy, not what any tool sees. The edit mix (``EDIT_RATES``)
is tuned to the spread the issue measured on real republications (5th percentile 0.64,
median 0.81, 95th 0.97); the hard negatives stay near or under the 0.26 it measured.

Bases. ``--base generated`` writes the stories with this module's own news-prose grammar
(topics, actors, places, figures and quotes; 4-12 paragraphs, ~1.3 KB). ``--base PATH.jsonl``
uses real articles instead (one JSON object per line with a ``text`` field, optionally a
``topic`` field used for ``neg:topic``): each article is used at most once, so the stream is
shortened, with a warning, when the file has fewer than half as many articles as documents
asked for; paragraphs are the text's lines. The
paragraph an outlet adds (``para-add``) comes from the grammar either way.

Splits. ``dev`` and ``heldout`` draw from disjoint seeds, and ``heldout`` also uses sites,
headers, footers, datelines, credits, wrap widths and typography that ``dev`` never shows
(``PROFILES``), so a rule tuned on ``dev`` is tested on forms it has not seen.

    >>> a = build(300, "dev", GeneratedBase)
    >>> b = build(300, "dev", GeneratedBase)
    >>> [d.text for d in a] == [d.text for d in b]
    True
    >>> len({d.id for d in a}) == len(a) == 300
    True
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

# --------------------------------------------------------------------------------------------
# The news-prose grammar of --base generated.
#
# A template is text with {slot} fields, filled from the story's cast, and {a|b|c} choices.
# Every story fixes its cast (country, city, people, institutions, figures) once, so its
# sentences agree with each other, as in a real report.
# --------------------------------------------------------------------------------------------

COUNTRIES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    # name, adjective, cities, currency
    ("Vietnam", "Vietnamese", ("Hanoi", "Ho Chi Minh City", "Da Nang", "Hai Phong", "Can Tho"), "dong"),
    ("Indonesia", "Indonesian", ("Jakarta", "Surabaya", "Bandung", "Medan", "Makassar"), "rupiah"),
    ("Malaysia", "Malaysian", ("Kuala Lumpur", "Penang", "Johor Bahru", "Kuching", "Ipoh"), "ringgit"),
    ("Thailand", "Thai", ("Bangkok", "Chiang Mai", "Khon Kaen", "Phuket", "Hat Yai"), "baht"),
    ("the Philippines", "Philippine", ("Manila", "Cebu", "Davao", "Iloilo", "Baguio"), "peso"),
    ("Kenya", "Kenyan", ("Nairobi", "Mombasa", "Kisumu", "Nakuru", "Eldoret"), "shilling"),
    ("Nigeria", "Nigerian", ("Lagos", "Abuja", "Kano", "Ibadan", "Port Harcourt"), "naira"),
    ("Brazil", "Brazilian", ("Brasilia", "Sao Paulo", "Recife", "Porto Alegre", "Manaus"), "real"),
    ("Chile", "Chilean", ("Santiago", "Valparaiso", "Antofagasta", "Concepcion", "Temuco"), "peso"),
    ("Poland", "Polish", ("Warsaw", "Krakow", "Gdansk", "Wroclaw", "Poznan"), "zloty"),
    ("Portugal", "Portuguese", ("Lisbon", "Porto", "Braga", "Coimbra", "Faro"), "euro"),
    ("Turkey", "Turkish", ("Ankara", "Istanbul", "Izmir", "Bursa", "Antalya"), "lira"),
    ("Egypt", "Egyptian", ("Cairo", "Alexandria", "Giza", "Aswan", "Port Said"), "pound"),
    ("India", "Indian", ("New Delhi", "Mumbai", "Chennai", "Kolkata", "Pune"), "rupee"),
    ("Pakistan", "Pakistani", ("Islamabad", "Karachi", "Lahore", "Peshawar", "Quetta"), "rupee"),
    ("Mexico", "Mexican", ("Mexico City", "Monterrey", "Guadalajara", "Puebla", "Merida"), "peso"),
    ("Canada", "Canadian", ("Ottawa", "Toronto", "Vancouver", "Calgary", "Halifax"), "dollar"),
    ("Australia", "Australian", ("Canberra", "Sydney", "Melbourne", "Perth", "Brisbane"), "dollar"),
    ("Ghana", "Ghanaian", ("Accra", "Kumasi", "Tamale", "Takoradi", "Cape Coast"), "cedi"),
    ("Peru", "Peruvian", ("Lima", "Arequipa", "Cusco", "Trujillo", "Piura"), "sol"),
    ("Norway", "Norwegian", ("Oslo", "Bergen", "Trondheim", "Stavanger", "Tromso"), "krone"),
    ("Morocco", "Moroccan", ("Rabat", "Casablanca", "Marrakesh", "Fez", "Tangier"), "dirham"),
    ("Cambodia", "Cambodian", ("Phnom Penh", "Siem Reap", "Battambang", "Kampot", "Sihanoukville"), "riel"),
    ("Laos", "Lao", ("Vientiane", "Luang Prabang", "Pakse", "Savannakhet", "Thakhek"), "kip"),
)

FIRST_NAMES = (
    "Nguyen",
    "Tran",
    "Siti",
    "Ahmad",
    "Maria",
    "Jose",
    "Anna",
    "Piotr",
    "Kwame",
    "Amina",
    "Rahul",
    "Priya",
    "Carlos",
    "Lucia",
    "Mehmet",
    "Ayse",
    "Fatima",
    "Omar",
    "Daniel",
    "Sarah",
    "Kenji",
    "Somchai",
    "Malee",
    "Joao",
    "Ines",
    "Olga",
    "Ibrahim",
    "Grace",
    "Peter",
    "Elena",
    "Tomasz",
    "Nadia",
    "Samuel",
    "Rosa",
    "Hassan",
    "Linh",
    "Budi",
    "Dewi",
    "Arjun",
    "Chloe",
    "Mateus",
)
LAST_NAMES = (
    "Van Hung",
    "Thi Lan",
    "Rahman",
    "Santos",
    "Kowalski",
    "Mensah",
    "Okafor",
    "Sharma",
    "Patel",
    "Gomez",
    "Yilmaz",
    "Haddad",
    "Mwangi",
    "Silva",
    "Pereira",
    "Nowak",
    "Ibrahim",
    "Chen",
    "Suzuki",
    "Wongsakul",
    "Rodrigues",
    "Hansen",
    "Benali",
    "Duc Minh",
    "Hartono",
    "Lim",
    "Fernandez",
    "Abubakar",
    "Osei",
    "Morales",
    "Berg",
    "Kaya",
    "Khan",
    "Reyes",
    "Tanaka",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclasses.dataclass(frozen=True)
class Topic:
    """The vocabulary and sentences of one news beat."""

    name: str
    institutions: tuple[str, ...]  # "the {adj} ..." is prefixed where it reads so
    roles: tuple[str, ...]
    things: tuple[str, ...]  # what the story is about
    sentences: tuple[str, ...]
    claims: tuple[str, ...]  # the middle of a quote


TOPICS: tuple[Topic, ...] = (
    Topic(
        "economy",
        (
            "Ministry of Finance",
            "Ministry of Industry and Trade",
            "General Statistics Office",
            "central bank",
            "Chamber of Commerce",
        ),
        (
            "the finance minister",
            "the deputy trade minister",
            "chief economist at the central bank",
            "head of the statistics office",
            "a senior trade official",
        ),
        ("rice", "textile", "electronics", "seafood", "coffee", "furniture", "steel", "rubber"),
        (
            "{Country}'s {thing} exports {rose|climbed|increased|jumped} {pct} percent {in the first quarter|in the first half of the year|year on year} to {amount}, {theinst} said on {day}.",
            "The {growth|increase|rise} was driven by {strong|steady|higher|resilient} demand from {market} and {market2}, while shipments to {market3} {fell|slipped|declined} {pct2} percent.",
            "{Imports|Purchases of machinery and raw materials} {grew|rose} {more slowly|at a slower pace}, leaving a trade surplus of {amount2} for the period.",
            "Inflation {eased|edged up|held steady} at {smallpct} percent in {month}, {below|close to} the government's target of {target} percent.",
            "The {adj} central bank kept its {benchmark|policy} interest rate unchanged at {rate} percent at its meeting on {day}, citing {uncertain external demand|the need to support growth|a weaker currency}.",
            "Economists {expect|forecast|say} the economy {to grow|will expand} by {gdp} percent this year, {up from|compared with} {gdp2} percent in {lastyear}.",
            "{Manufacturing|Industrial output} in {city} and the surrounding provinces {rose|expanded} for a {ordinal} consecutive month, {a survey of purchasing managers showed|according to the latest survey}.",
            "{Exporters|Business groups} have {warned|complained} that {higher shipping costs|a shortage of workers|new tariffs in {market}} could {slow|weigh on} growth {in the second half|later in the year}.",
            "The government has set a target of {amount3} in total exports for {year}, {which analysts say is within reach|a goal some analysts call ambitious}.",
            "Foreign direct investment {pledged to|disbursed in} {Country} reached {amount4} in the first {smallnum} months, {led by|mostly from} investors from {market} and {market2}.",
            "The {adj} {currency} {weakened|strengthened} {smallpct} percent against the dollar {over the month|in the past week}, {trading at|closing at} its {lowest|highest} level since {lastyear}.",
        ),
        (
            "the {thing} sector will keep growing this year",
            "demand from {market} will recover in the coming months",
            "our exporters are ready to meet the new standards in {market}",
            "we can keep inflation under control without hurting growth",
            "the trade surplus gives us room to support small businesses",
        ),
    ),
    Topic(
        "diplomacy",
        (
            "Ministry of Foreign Affairs",
            "National Assembly",
            "Office of the President",
            "Embassy in {city2}",
            "foreign affairs committee",
        ),
        (
            "the foreign minister",
            "the deputy prime minister",
            "a government spokesperson",
            "the ambassador",
            "the president",
        ),
        ("trade", "security", "maritime", "climate", "energy", "education", "health"),
        (
            "{Country} and {Partner} agreed on {day} to {deepen|strengthen|expand} cooperation in {thing}, {investment and tourism|defence and law enforcement|science and education}, during talks in {city}.",
            "The two sides signed {smallnum} agreements, including a memorandum of understanding on {thing} and a plan to {double|raise} bilateral trade to {amount} by {year}.",
            "{Person} said the visit {marked|opened} a new chapter in relations between the two countries, which established diplomatic ties in {estyear}.",
            "The ministers also discussed {the situation in the region|regional security|the upcoming summit in {city2}|disputes at sea}, {calling for|urging} {restraint and dialogue|respect for international law}.",
            "{Partner} is {Country}'s {ordinal}-largest trading partner, with two-way trade of {amount2} last year, {according to|figures from} {theinst}.",
            "The visit {comes|came} {ahead of|weeks before|days after} a regional summit in {city2}, where leaders are expected to discuss {thing} and supply chains.",
            "{Person} {also met|later met} {business leaders|students and teachers|members of the {adj} community} in {city} before {flying|travelling} to {city2}.",
            "Both sides {pledged|agreed} to {hold|resume} annual {consultations|strategic dialogue} and to {open|reopen} a consulate in {city2}.",
            "The agreements still need the approval of {the National Assembly|parliament|the cabinet}, {which is expected to vote|a vote expected} {next month|before the end of the year}.",
        ),
        (
            "our two countries share the same interest in peace and stability in the region",
            "this partnership will bring real benefits to people in both countries",
            "dialogue is the only way to settle our differences",
            "we want to double our trade within the next five years",
        ),
    ),
    Topic(
        "disaster",
        (
            "National Disaster Management Agency",
            "Meteorological Department",
            "Red Cross",
            "provincial government",
            "civil defence office",
        ),
        (
            "the provincial governor",
            "a disaster agency spokesperson",
            "the head of the rescue team",
            "a local official",
            "the director of the weather bureau",
        ),
        ("flooding", "landslides", "a storm", "heavy rain", "an earthquake", "a typhoon"),
        (
            "At least {count} people were killed and {count2} others {injured|missing} after {thing} hit {region} province {on {day}|overnight|early on {day}}, {theinst} said.",
            "More than {bignum} {households|residents|families} were {evacuated|moved to shelters} as water levels in the {river} river {rose|kept rising} {above the alarm level|to a record}.",
            "Rescue teams {were searching|searched} for {survivors|the missing} in {village}, where {a hillside collapsed onto houses|homes were swept away|a bridge was destroyed}.",
            "The {adj} weather bureau {warned|said} that {more heavy rain|rain of up to {rain} millimetres} {was expected|would fall} {over the next {smallnum} days|until {day}}.",
            "{Roads|Several highways|Rail services} between {city} and {city2} were {cut|closed|suspended}, and {power|electricity} was {cut off|lost} to about {bignum} homes.",
            "The government {released|approved} {amount} in emergency aid and sent {count3} soldiers to help {with the clean-up|clear roads|distribute food and water}.",
            "{Farmers|Officials} said about {hectares} hectares of {rice|crops|farmland} had been {flooded|destroyed|damaged}, {raising fears for|threatening} the {harvest|coming harvest}.",
            "It was the {deadliest|worst|strongest} {disaster|storm|flood} to hit the area since {lastyear}, when {count4} people died.",
            "Schools {in the province|across the region} {remained closed|were closed} and {classes|exams} were {postponed|moved online} {until further notice|until next week}.",
        ),
        (
            "our teams are working day and night to reach every village that has been cut off",
            "people living near the river must move to higher ground now",
            "we will rebuild every school and clinic the flood has destroyed",
            "the priority is clean water and food for the families in the shelters",
        ),
    ),
    Topic(
        "health",
        (
            "Ministry of Health",
            "National Institute of Hygiene",
            "World Health Organization",
            "provincial health department",
            "Hospital for Tropical Diseases",
        ),
        (
            "the health minister",
            "the director of the provincial health department",
            "a WHO representative",
            "the hospital director",
            "an epidemiologist",
        ),
        ("dengue fever", "measles", "influenza", "cholera", "hand, foot and mouth disease", "tuberculosis"),
        (
            "Health authorities in {city} {reported|recorded} {count} new cases of {thing} {last week|in the past seven days|on {day}}, {bringing the total this year to|for a total this year of} {bignum}.",
            "{Count2} {patients|people} have died of the disease so far this year, {compared with|against} {count3} in the same period of {lastyear}, {theinst} said.",
            "The {ministry|department} {urged|asked} residents to {clear stagnant water|get vaccinated|wash their hands often} and to see a doctor {at the first sign of fever|if symptoms appear}.",
            "Hospitals in the {city} area {said they were|reported being} {overcrowded|under pressure}, with {some wards|children's wards} at {pct} percent above capacity.",
            "A vaccination {campaign|drive} {targeting|for} {bignum} children under {smallnum} {will start|started} {next month|on {day}} in {smallnum2} provinces.",
            "{Experts|Doctors} {say|said} {warmer weather|the rainy season|crowded housing} {has helped|helps} the disease spread {faster|earlier than usual} this year.",
            "The {WHO|health ministry} {said|added} it had sent {medicines|test kits|rapid-response teams} to the {worst-hit|most affected} districts.",
            "{Thing} {cases|infections} usually {peak|rise sharply} between {month} and {month2}, {health officials|experts} say.",
        ),
        (
            "early treatment saves lives, so nobody should wait before going to hospital",
            "every family can help by removing standing water around the house",
            "we have enough vaccine for every child in the province",
            "the number of cases is still rising and we cannot relax now",
        ),
    ),
    Topic(
        "transport",
        (
            "Ministry of Transport",
            "city People's Committee",
            "national railway company",
            "airport authority",
            "public works department",
        ),
        (
            "the transport minister",
            "the project director",
            "the chairman of the city",
            "a railway spokesperson",
            "a senior engineer",
        ),
        ("metro line", "expressway", "airport terminal", "high-speed railway", "bridge", "port"),
        (
            "{Construction|Work} on the {long-delayed|new|second} {thing} {linking|between} {city} and {city2} {will begin|began|resumed} {on {day}|this month|in {month}}, {theinst} said.",
            "The {count}-kilometre project is expected to cost {amount} and {to be|will be} completed by {year}, {two years later than planned|a year behind schedule|on schedule}.",
            "Once finished, it will cut travel time between the two cities from {smallnum} hours to {mins} minutes and carry up to {bignum} passengers a day.",
            "The project is {funded|financed} by {a loan from Japan|the state budget|a public-private partnership|bonds and bank loans}, {officials said|according to the ministry}.",
            "{Residents|Shop owners|Farmers} along the route have {complained|protested} about {compensation for land|noise and dust|the slow pace of work}, {delaying|holding up} {clearance|the project}.",
            "{Person} said {count2} households had {agreed to move|received compensation} and that the rest would be {resettled|relocated} {by {month}|before the end of the year}.",
            "Traffic {congestion|jams} in {city} {cost|costs} the economy an estimated {amount2} a year, {according to|said} {a study by the World Bank|the transport department}.",
            "The {city|government} also plans {smallnum} more {metro lines|ring roads|bus rapid transit routes} by {year2}.",
        ),
        (
            "this line will change the way people in the city travel to work",
            "we will not accept any more delays from the contractors",
            "every household that moves will get fair compensation and a new home",
            "the project is the backbone of the region's development plan",
        ),
    ),
    Topic(
        "courts",
        ("People's Court", "Supreme Court", "police", "prosecutor's office", "anti-corruption commission"),
        ("the presiding judge", "a police spokesperson", "the defence lawyer", "the prosecutor", "a court official"),
        ("fraud", "bribery", "smuggling", "embezzlement", "money laundering", "tax evasion"),
        (
            "A court in {city} {sentenced|jailed} {count} {people|former officials|company executives} to between {smallnum} and {smallnum2} years in prison on {day} for {thing} {involving|worth} {amount}.",
            "{Defendant}, the former {director|chairman|chief executive} of {company}, received the {heaviest|longest} sentence of {smallnum3} years, {the court said|according to the verdict}.",
            "Prosecutors said the group {forged|falsified} {contracts|invoices|documents} between {estyear} and {lastyear} to {win|obtain} {state contracts|bank loans|land} worth {amount2}.",
            "The defendants {were ordered|must} {to repay|return} {amount3} to the state, and {assets|properties} worth {amount4} were seized.",
            "{Lawyers|The defence} {said|argued} {their clients had been|the defendants were} following orders from {superiors|the board} and {would appeal|plan to appeal}.",
            "The case is part of a {sweeping|broad|wider} {campaign against corruption|crackdown on graft} that has {led to|seen} {bignum} officials {disciplined|prosecuted} since {estyear}.",
            "Police {arrested|detained} {count2} {suspects|people} in {city2} {last week|on {day}} in a related investigation {into|of} {thing} at {company}.",
        ),
        (
            "no one is above the law, whatever position they once held",
            "my client never received any money and will appeal the verdict",
            "the state will recover every dong that was lost",
            "this case shows that the campaign against corruption has no forbidden zones",
        ),
    ),
    Topic(
        "energy",
        (
            "Ministry of Energy",
            "national power company",
            "Ministry of Natural Resources and Environment",
            "energy regulator",
            "Renewable Energy Association",
        ),
        (
            "the energy minister",
            "the head of the power company",
            "an energy analyst",
            "the environment minister",
            "a regulator spokesperson",
        ),
        ("solar", "wind", "coal", "hydropower", "gas", "battery storage"),
        (
            "{Country} plans to {add|build} {mw} megawatts of {thing} capacity by {year} {under|as part of} a {new|revised} national power plan approved on {day}.",
            "The plan {aims|is meant} to {cut|reduce} the share of coal in {electricity generation|the power mix} to {pct} percent by {year2} and to {meet|help meet} the country's climate targets.",
            "{Power demand|Electricity consumption} {rose|grew} {smallpct} percent last year, and {officials|the power company} {warned|said} of {shortages|blackouts} in the north during the {hot|dry} season.",
            "{Investors|Developers} have {complained|said} that {low feed-in tariffs|slow grid connections|unclear rules} {make|have made} new {thing} projects {hard to finance|unprofitable}.",
            "The {adj} power company said it would invest {amount} in {transmission lines|the grid|storage} over the next {smallnum} years, {including|with} a {count}-kilometre line from {region} to {city}.",
            "{Rooftop|Floating} {solar|panels} on {factories|reservoirs} {could|will} supply about {smallpct2} percent of demand, {according to|said} {theinst}.",
            "{Environmental groups|Critics} {welcomed|criticised} the plan, saying {it did not go far enough|coal would still dominate for a decade|the targets were realistic}.",
        ),
        (
            "we cannot keep building coal plants if we want clean air in our cities",
            "the grid must be ready before we connect more wind and solar",
            "there will be no power cuts this summer if everyone saves a little",
            "clean energy is now cheaper than coal in most of the country",
        ),
    ),
    Topic(
        "education",
        (
            "Ministry of Education and Training",
            "National University",
            "teachers' union",
            "provincial education department",
            "examination board",
        ),
        (
            "the education minister",
            "the rector",
            "a union leader",
            "the head of the education department",
            "a school principal",
        ),
        ("entrance exam", "school curriculum", "teacher salaries", "tuition fees", "textbook reform"),
        (
            "More than {bignum} students {sat|took} the national {thing} {on {day}|this week}, {theinst} said, {up|down} {smallpct} percent from last year.",
            "The {ministry|government} {plans|wants} to {raise|increase} the {budget|spending} for {schools|education} to {amount} next year, with most of it going to {rural schools|teacher training|new classrooms}.",
            "{Teachers|Parents} have {long|repeatedly} {complained|argued} that {classes are too large|salaries are too low|the new curriculum is too heavy}, with up to {count} pupils in a classroom in {city}.",
            "{Person} said the {reform|change} would be {introduced|rolled out} {gradually|in stages} from {year}, starting with {grade one|primary schools|the final year of high school}.",
            "{About|Nearly} {pct} percent of teachers in {region} province {lack|do not have} the {qualifications|degree} required under the {new|revised} law, {according to|figures from} the {department|ministry}.",
            "Universities {will|may} {set|raise} their own {tuition|fees} from {year}, {a move students fear|which critics say} will {price out|hurt} poorer families.",
            "{Results|The results} {will be|are} {published|announced} on {month} {dayn}, and {successful|admitted} students {must|have to} confirm their places {within|by} {smallnum} days.",
        ),
        (
            "no child should leave school because the family cannot pay",
            "good teachers are the heart of any reform, so we must pay them properly",
            "the exam will be fair and every result will be checked twice",
            "we want students who can think, not students who only memorise",
        ),
    ),
)

GENERIC_SENTENCES: tuple[str, ...] = (
    "{Theinst} did not {immediately|} respond to a request for comment.",
    "{Person} {told reporters|said at a news conference|said in a statement} on {day} that {the government|the authorities} would {review|monitor|look into} the {situation|matter} {closely|in the coming weeks}.",
    "The {figures|numbers} {were|had been} {published|released} {on {day}|late on {day}} {ahead of|before} a {cabinet|government} meeting {on the issue|next week}.",
    "{Local media|State media|Newspapers in {city}} reported {that|on {day} that} {the decision|the plan} {had been|was} {approved|discussed} {at a closed meeting|by senior officials}.",
    "{Details|Further details} {were not disclosed|have not been made public|will be announced later}.",
    "The opposition {accused|criticised} the {government|ruling party} of {acting too slowly|ignoring warnings|a lack of transparency}, and {called for|demanded} a {debate|hearing} in parliament.",
    "A similar {plan|proposal} was {dropped|shelved} in {lastyear} after {protests|objections from business groups|a change of government}.",
    "{Critics|Analysts} {note|pointed out} that {previous|earlier} {targets|promises} had been missed {by a wide margin|more than once}.",
    "{The move|The announcement} {follows|came after} {months of|weeks of} {negotiations|public pressure|debate} {in the capital|among lawmakers}.",
    "{Person2} {said|added} that {funding|money} for the {programme|plan} had {already|} been {set aside|approved} in this year's budget.",
    "Residents {interviewed|contacted} by {reporters|local radio} in {city2} {gave|had} a {mixed|cautious|largely positive} {reaction|response}.",
    "{It was not clear|It remains unclear} {how|when} the {new rules|measures} would be {enforced|applied} outside {city}.",
    "{A spokesperson|A representative} for {company} {declined to comment|said the firm was studying the details}.",
    "The {issue|question} is {expected|likely} to {feature|come up} at the {party congress|national conference|regional meeting} in {month}.",
    "{Population|The population} of {region} {province|region} has {doubled|grown sharply} since {estyear}, {putting pressure on|straining} {services|roads and schools}.",
    "The {last|previous} {survey|census|review}, {carried out|conducted} in {lastyear}, {found|showed} {similar|worse} {results|figures}.",
    "{Donors|International lenders} including the {Asian Development Bank|World Bank|United Nations} have {offered|promised} {technical|financial} {support|help}.",
    "{Person2} {is due to|will} {present|submit} a {full report|detailed plan} to the {cabinet|prime minister} {by {month}|next month}.",
    "{Officials|Authorities} in {city2} said they would {wait for|follow} guidance from {the capital|the central government} before {acting|taking any decision}.",
    "{Trade unions|Consumer groups|Farmers' associations} {said|warned} they would {challenge|oppose} any {change|measure} that {raised costs|hurt their members}.",
)
GENERIC_CLAIMS = (
    "the people of this country deserve better than promises",
    "we have listened to every concern and changed the plan where it was needed",
    "nothing will be decided before we have heard from the provinces",
    "the coming months will be difficult, but we are ready",
    "this decision was not taken lightly, and we stand by it",
    "we will publish every figure so that anyone can check our work",
    "there is no reason to panic, the situation is under control",
    "the money is there, what we need now is speed",
    "we are asking everyone to be patient a little longer",
    "every province will get its fair share",
)

QUOTE_OPENERS = (
    "We are confident that",
    "It is clear that",
    "Everyone here knows that",
    "I can say today that",
    "Our message is simple:",
    "We have always said that",
    "Let me be very clear:",
    "What we have seen shows that",
)
QUOTE_TAILS = (
    "",
    ", and we will keep working with all our partners",
    " despite the difficult conditions",
    ", even if it takes longer than we hoped",
    ", and the coming months will prove it",
    " for years to come",
)
MARKETS = (
    "the United States",
    "China",
    "Japan",
    "South Korea",
    "the European Union",
    "India",
    "Australia",
    "the Middle East",
    "Africa",
    "Latin America",
    "Singapore",
    "Taiwan",
)
RIVERS = ("Red", "Ma", "Mekong", "Cau", "Bang Pakong", "Pasig", "Tana", "Ogun", "Vistula", "Tagus")
COMPANIES = (
    "Vinacapital Trading",
    "Harbourline Logistics",
    "Sao Mai Construction",
    "Pacific Delta Holdings",
    "Golden River Steel",
    "Northstar Engineering",
    "Lotus Agro",
    "Bluewave Shipping",
    "Mekong Pharma",
    "Sunrise Property",
    "Eastgate Securities",
    "Kinh Bac Energy",
)


def _choose(rng: random.Random, match: re.Match[str]) -> str:
    options: list[str] = match.group(1).split("|")
    return rng.choice(options)


CHOICE = re.compile(r"\{([^{}]*\|[^{}]*)\}")
SLOT = re.compile(r"\{([A-Za-z0-9_]+)\}")


@dataclasses.dataclass
class Cast:
    """Who, where and how much: fixed once per story so its sentences agree."""

    topic: Topic
    values: dict[str, str]

    def fill(self, template: str, rng: random.Random, capitalize: bool = True) -> str:
        """Fill the slots of ``template`` and expand its choices, innermost first."""

        def slot(m: re.Match[str]) -> str:
            name = m.group(1)
            value = self.values[name.lower()]
            return value[0].upper() + value[1:] if name[0].isupper() else value

        text = template
        while True:
            expanded = CHOICE.sub(lambda m: _choose(rng, m), SLOT.sub(slot, text))
            if expanded == text:
                break
            text = expanded
        text = re.sub(r",([,.])", r"\1", text)
        text = re.sub(r"\s+([,.])", r"\1", text)
        text = re.sub(r" {2,}", " ", text)
        return text[0].upper() + text[1:] if capitalize else text


def _amount(rng: random.Random, currency: str) -> str:
    if rng.random() < 0.6:
        unit = rng.choice(("million", "billion"))
        return f"${rng.randint(11, 990) / 10:.1f} {unit}".replace(".0 ", " ")
    return f"{rng.randint(2, 950)} {rng.choice(('million', 'billion', 'trillion'))} {currency}"


def make_cast(rng: random.Random, topic: Topic, country_index: int | None = None) -> Cast:
    """A fresh cast for a story on ``topic`` (in the given country, or a random one)."""
    name, adj, cities, currency = COUNTRIES[rng.randrange(len(COUNTRIES)) if country_index is None else country_index]
    city, city2 = rng.sample(cities, 2)
    partner = rng.choice([c for c in COUNTRIES if c[0] != name])[0]
    markets = rng.sample(MARKETS, 3)
    inst = rng.choice(topic.institutions).replace("{city2}", city2)
    people = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(3)]
    roles = rng.sample(topic.roles, 3)
    year = rng.randint(2025, 2032)
    v = {
        "country": name,
        "adj": adj,
        "city": city,
        "city2": city2,
        "partner": partner,
        "inst": inst,
        "theinst": f"the {inst}",
        "market": markets[0],
        "market2": markets[1],
        "market3": markets[2],
        "thing": rng.choice(topic.things),
        "currency": currency,
        "person": f"{people[0]}, {roles[0]},",
        "person2": f"{people[1]}, {roles[1]},",
        "defendant": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        "speaker": people[2],
        "speakerrole": roles[2],
        "pct": f"{rng.randint(21, 399) / 10:.1f}",
        "pct2": f"{rng.randint(11, 149) / 10:.1f}",
        "smallpct": f"{rng.randint(1, 49) / 10:.1f}",
        "smallpct2": f"{rng.randint(3, 25)}",
        "target": rng.choice(("3", "3.5", "4", "4.5")),
        "rate": f"{rng.randint(15, 90) / 10:.1f}",
        "gdp": f"{rng.randint(25, 75) / 10:.1f}",
        "gdp2": f"{rng.randint(20, 70) / 10:.1f}",
        "amount": _amount(rng, currency),
        "amount2": _amount(rng, currency),
        "amount3": _amount(rng, currency),
        "amount4": _amount(rng, currency),
        "count": str(rng.randint(3, 60)),
        "count2": str(rng.randint(2, 90)),
        "count3": str(rng.randint(100, 3000)),
        "count4": str(rng.randint(10, 300)),
        "bignum": f"{rng.randint(2, 980) * 100:,}",
        "smallnum": str(rng.randint(2, 6)),
        "smallnum2": str(rng.randint(7, 12)),
        "smallnum3": str(rng.randint(13, 20)),
        "mins": str(rng.randint(35, 95)),
        "mw": f"{rng.randint(5, 300) * 100:,}",
        "hectares": f"{rng.randint(5, 400) * 100:,}",
        "rain": str(rng.randint(150, 450)),
        "year": str(year),
        "year2": str(year + rng.randint(3, 10)),
        "lastyear": str(rng.randint(2015, 2023)),
        "estyear": str(rng.randint(1965, 2012)),
        "day": rng.choice(DAYS),
        "month": rng.choice(MONTHS),
        "month2": rng.choice(MONTHS),
        "dayn": str(rng.randint(1, 28)),
        "ordinal": rng.choice(("second", "third", "fourth", "fifth", "sixth")),
        "region": rng.choice(
            (
                "Quang Binh",
                "Nghe An",
                "Lao Cai",
                "Aceh",
                "Sabah",
                "Isan",
                "Mindanao",
                "Rift Valley",
                "Kano",
                "Para",
                "Biobio",
                "Silesia",
                "Alentejo",
                "Anatolia",
                "Sindh",
                "Oaxaca",
            )
        ),
        "village": f"{rng.choice(('Ban', 'Kampung', 'Lang', 'Barrio', 'Vila'))} {rng.choice(('Na', 'Hoa', 'Baru', 'Nuevo', 'Sari', 'Dong', 'Alta'))}",
        "river": rng.choice(RIVERS),
        "company": rng.choice(COMPANIES),
    }
    return Cast(topic, v)


def quote(cast: Cast, rng: random.Random, claims: list[str], sentences: int) -> str:
    """A quote of ``sentences`` sentences (claims popped from ``claims``) by the story's speaker."""
    parts = []
    for _ in range(min(sentences, len(claims))):
        claim = cast.fill(claims.pop(), rng, capitalize=False)
        parts.append(f"{rng.choice(QUOTE_OPENERS)} {claim}{rng.choice(QUOTE_TAILS)}.")
    body = " ".join(parts) or "We will see."
    said = rng.choice(("said", "told reporters", "said on " + cast.values["day"], "added"))
    return f'"{body[:-1]}," {cast.values["speaker"]}, {cast.values["speakerrole"]}, {said}.'


def generated_story(rng: random.Random, cast: Cast, avoid: frozenset[str] = frozenset()) -> Body:
    """A news report of 4-12 paragraphs, one or two sentences each, with one long quote.

    A story uses at most half of its topic's sentences (plus general ones) and never one in
    ``avoid``, so two stories on one topic can be written with nothing in common but the
    topic.
    """
    lead, *rest = cast.topic.sentences
    own = [t for t in rest if t not in avoid]
    rng.shuffle(own)
    own = own[: max(3, (len(cast.topic.sentences) + 1) // 2) - (lead not in avoid)]
    generic = [t for t in GENERIC_SENTENCES if t not in avoid]
    rng.shuffle(generic)
    claims = [c for c in cast.topic.claims + GENERIC_CLAIMS if c not in avoid]
    rng.shuffle(claims)
    pool = own + generic[:8]
    rng.shuffle(pool)
    pool.sort(key=lambda t: t not in own)  # the topic's own sentences first, then general ones
    if lead not in avoid:
        pool.insert(0, lead)
        own.append(lead)
    used = set(pool) | set(claims)
    n_par = rng.randint(4, 12)
    quote_at = rng.randint(1, max(1, min(3, n_par - 1)))
    paragraphs: list[str] = []
    for i in range(n_par):
        if i == quote_at:
            paragraphs.append(quote(cast, rng, claims, rng.choice((2, 2, 3))))
            continue
        if not pool:
            break
        k = 1 if n_par > 8 or rng.random() < 0.4 else 2
        sentences = [cast.fill(pool.pop(0), rng) for _ in range(min(k, len(pool)))]
        if rng.random() < 0.12 and claims:
            sentences.append(quote(cast, rng, claims, 1))
        paragraphs.append(" ".join(sentences))
    used -= set(pool) | set(claims)
    return Body(paragraphs, cast.topic.name, quote_at if quote_at < len(paragraphs) else None, cast, frozenset(used))


# --------------------------------------------------------------------------------------------
# Where the stories come from.
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Body:
    """A story's paragraphs, its topic, and the paragraph holding a long quote (or None)."""

    paragraphs: list[str]
    topic: str
    quote_at: int | None
    cast: Cast | None = None
    used: frozenset[str] = frozenset()  # the templates it was written from


class GeneratedBase:
    """Stories written by the grammar above; never runs out."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def take(self, topic: str | None = None) -> Body | None:
        t = next((x for x in TOPICS if x.name == topic), None) if topic else None
        return generated_story(self.rng, make_cast(self.rng, t or self.rng.choice(TOPICS)))

    def other(self, body: Body) -> Body | None:
        """A story on another topic than ``body``'s, written from the templates it did not use."""
        topic = self.rng.choice([t for t in TOPICS if t.name != body.topic])
        return generated_story(self.rng, make_cast(self.rng, topic), body.used)

    def related(self, body: Body) -> Body | None:
        """Another story on the same topic, in the same country, from the same institution,
        written from the templates ``body`` did not use."""
        assert body.cast is not None
        country = next(i for i, c in enumerate(COUNTRIES) if c[0] == body.cast.values["country"])
        cast = make_cast(self.rng, body.cast.topic, country)
        for k in ("inst", "theinst", "city", "thing"):
            cast.values[k] = body.cast.values[k]
        return generated_story(self.rng, cast, body.used)

    def left(self) -> int | None:
        return None


QUOTE_CHARS = re.compile(r"[\"“”«»„]")
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[\"“(]?[A-ZÀ-ÖØ-Þ0-9])")


class FileBase:
    """Real articles from a JSONL file (``text``, optionally ``topic``), each used once."""

    def __init__(self, path: Path, rng: random.Random) -> None:
        self.rng = rng
        self.by_topic: dict[str, list[Body]] = defaultdict(list)
        bodies: list[Body] = []
        with path.open(encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                rec = json.loads(line)
                paragraphs = [p.strip() for p in str(rec["text"]).splitlines() if p.strip()]
                if len(paragraphs) < 2 or sum(map(len, paragraphs)) < 300:
                    continue
                bodies.append(Body(paragraphs, str(rec.get("topic") or ""), self._quote_at(paragraphs)))
        rng.shuffle(bodies)
        self.bodies = bodies
        for b in bodies:
            self.by_topic[b.topic].append(b)
        self.used: set[int] = set()

    @staticmethod
    def _quote_at(paragraphs: Sequence[str]) -> int | None:
        """The paragraph with the longest quoted passage, or None."""
        best, at = 0, None
        for i, p in enumerate(paragraphs[1:], 1):
            n = len(p) if QUOTE_CHARS.search(p) else 0
            if 80 <= n <= 600 and n > best:
                best, at = n, i
        return at

    def _pop(self, pool: list[Body]) -> Body | None:
        while pool:
            b = pool.pop()
            if id(b) not in self.used:
                self.used.add(id(b))
                return b
        return None

    def take(self, topic: str | None = None) -> Body | None:
        if topic is not None and self.by_topic.get(topic):
            b = self._pop(self.by_topic[topic])
            if b is not None:
                return b
        return self._pop(self.bodies)

    def related(self, body: Body) -> Body | None:
        return self.take(body.topic or None)

    def other(self, body: Body) -> Body | None:
        """An article of another topic than ``body``'s when topics are known."""
        topics = [t for t, pool in self.by_topic.items() if t != body.topic and pool]
        return self.take(self.rng.choice(sorted(topics)) if topics and body.topic else None)

    def left(self) -> int | None:
        return len(self.bodies) - sum(1 for b in self.bodies if id(b) in self.used)


Base = GeneratedBase | FileBase


# --------------------------------------------------------------------------------------------
# Sites, datelines, credits: what a split shows.
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Profile:
    """What one split draws from. ``heldout`` shares none of the sites, header and footer
    lines, datelines or credits of ``dev``, wraps at other widths and has typography forms of
    its own, so that rules tuned on ``dev`` meet unseen forms."""

    sites: tuple[str, ...]
    boilerplate_sites: tuple[str, ...]
    headers: tuple[str, ...]
    footers: tuple[str, ...]
    menu: tuple[str, ...]
    promos: tuple[str, ...]
    datelines: tuple[str, ...]  # {CITY}, {Month} and {d} are filled
    credits: tuple[str, ...]
    wrap: tuple[int, int]
    typography: tuple[str, ...]  # names of TYPOGRAPHY forms
    separators: tuple[str, ...]  # between paragraphs of a copy


PROFILES: dict[str, Profile] = {
    "dev": Profile(
        sites=(
            "vietnamplus.example",
            "dailyledger.example",
            "asiawire.example",
            "capitalpost.example",
            "regionaltimes.example",
            "newsroom24.example",
            "morningherald.example",
            "bizjournal.example",
            "thecoastnews.example",
            "metroreport.example",
            "globalbrief.example",
            "eveningstar.example",
        ),
        boilerplate_sites=("citybeat.example", "provincenews.example", "portalasia.example", "hometownpress.example"),
        headers=(
            "Home > World > Asia-Pacific",
            "Home | News | Business",
            "Latest news",
            "Share this article",
            "Published {d} {Month}, updated 2 hours ago",
            "By Staff Writer",
            "Reading time: 3 min",
            "Advertisement",
            "Listen to this article",
            "Subscribe for unlimited access",
            "Breaking: live updates",
            "Print this page",
        ),
        footers=(
            "Copyright © The Daily Ledger. All rights reserved.",
            "Follow us on Facebook and X for the latest news.",
            "Sign up for our morning newsletter.",
            "Tags: economy, region, politics",
            "This article was republished from a wire service.",
            "Have a news tip? Write to our newsroom.",
            "Related: more stories from the region",
            "Comments are closed.",
            "Source: agencies",
            "Read more in our business section.",
        ),
        menu=(
            "Home",
            "News",
            "World",
            "Business",
            "Sport",
            "Culture",
            "Opinion",
            "Video",
            "Podcasts",
            "Weather",
            "Travel",
            "Science",
            "Health",
            "Contact us",
            "About us",
            "Advertise",
            "Careers",
            "Privacy policy",
            "Terms of use",
            "Archive",
            "Newsletters",
            "Photos",
            "Lifestyle",
            "Tech",
        ),
        promos=(
            "Get the best of our journalism delivered to your inbox every morning. Sign up now, it is free.",
            "We use cookies to improve your experience on our site. By continuing to browse you agree to our use of cookies.",
            "Most read today: fuel prices, the new metro timetable, the weekend weather and the football results.",
            "Download our app for breaking news alerts on your phone and read the print edition online.",
            "Support independent local journalism: become a member from as little as one dollar a week.",
            "Our newsroom works around the clock to bring you accurate news from the city and the province.",
        ),
        datelines=(
            "HANOI (VNA) — ",
            "BEIJING, {Month} {d} (Xinhua) -- ",
            "(Reuters) - ",
            "{CITY} (AFP) — ",
            "{CITY}, {Month} {d} (Reuters) - ",
            "{CITY} (AP) — ",
            "JAKARTA, {Month} {d} (Antara) - ",
            "{CITY} (VNA) – ",
        ),
        credits=("-VNA", " — AFP", " (Reuters)", " -- Xinhua", " (AP)", ".- VNA"),
        wrap=(66, 74),
        typography=("curly", "dashes", "nbsp", "ellipsis"),
        separators=("\n", "\n\n"),
    ),
    "heldout": Profile(
        sites=(
            "northernobserver.example",
            "kyodowire.example",
            "newsdesk.example",
            "thetribune.example",
            "bangkoknow.example",
            "manilabulletin.example",
            "pressgazette.example",
            "valleyvoice.example",
            "midweekmail.example",
            "harbourtimes.example",
            "continentnews.example",
            "suburbanpost.example",
        ),
        boilerplate_sites=("localwire.example", "districttoday.example", "islandnews.example", "rivercitypost.example"),
        headers=(
            "You are here: Front page / International",
            "Top stories",
            "Posted by the news desk",
            "Last updated: {d} {Month}",
            "Text size: A A A",
            "Sponsored content below",
            "Email this story",
            "Listen (4 min)",
            "Exclusive",
            "Photo: file",
        ),
        footers=(
            "All material © Northern Observer Media. Reproduction prohibited.",
            "Share on WhatsApp | Telegram | Email",
            "Join our Telegram channel for alerts.",
            "Filed under: Asia, Markets",
            "Edited by the regional desk.",
            "Report an error in this story.",
            "See also: earlier coverage",
            "Posted in News",
            "With wires",
            "Continue reading on our app.",
        ),
        menu=(
            "Front page",
            "National",
            "International",
            "Markets",
            "Football",
            "Arts",
            "Columns",
            "Multimedia",
            "Radio",
            "Forecast",
            "Motoring",
            "Property",
            "Education",
            "Jobs",
            "Classifieds",
            "Obituaries",
            "Puzzles",
            "Letters",
            "Feedback",
            "Site map",
            "RSS",
            "E-paper",
        ),
        promos=(
            "This site uses cookies and similar technologies. Manage your preferences or accept all to continue reading.",
            "Trending now: the budget vote, a record heatwave, the cup final and the price of rice at the market.",
            "Read the digital edition of tomorrow's paper tonight: subscribe for full access to every article.",
            "Enjoyed this story? Share it with your friends and follow our pages for more local coverage.",
            "Advertise with us: reach a million readers across the region every week. Contact our sales team.",
            "Our reporters cover every district of the province; send your photos and stories to the desk.",
        ),
        datelines=(
            "MOSCOW, {Month} {d}. /TASS/. ",
            "KUALA LUMPUR, {Month} {d} (Bernama) -- ",
            "SEOUL, {Month} {d} (Yonhap) -- ",
            "TOKYO (Kyodo) -- ",
            "{CITY}: ",
            "{CITY} (dpa) - ",
            "MANILA (PNA) -- ",
            "{CITY}, {Month} {d} (IANS) ",
        ),
        credits=(" --Bernama", " (Yonhap)", " /TASS/", " — Kyodo", " (dpa)", " - PNA"),
        wrap=(56, 82),
        typography=("guillemets", "dashes", "nbsp", "apostrophe", "soft-hyphen"),
        separators=("\n", "\n\n", "\r\n"),
    ),
}

SPLIT_SALT = {"dev": "dev-1f0c", "heldout": "heldout-8a2e"}


def dateline(profile: Profile, rng: random.Random, city: str) -> str:
    """A leading dateline of the split, for a story in ``city``."""
    return rng.choice(profile.datelines).format(
        CITY=city.upper(), Month=rng.choice(MONTHS)[: 3 + rng.randint(0, 6)].rstrip(), d=rng.randint(1, 28)
    )


# --------------------------------------------------------------------------------------------
# The edits of a republication.
# --------------------------------------------------------------------------------------------

SYNONYMS = {
    "said": "told reporters",
    "also": "further",
    "but": "however",
    "more than": "over",
    "about": "around",
    "people": "persons",
    "percent": "per cent",
    "government": "administration",
    "expected": "forecast",
    "plans": "intends",
    "will": "would",
    "rose": "increased",
    "fell": "dropped",
    "including": "among them",
    "officials": "authorities",
    "new": "fresh",
    "city": "municipality",
    "help": "assist",
    "after": "following",
    "before": "prior to",
    "because": "as",
    "on Monday": "Monday",
    "last year": "in the previous year",
    "show": "indicate",
}
WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+|\d[\d,.]*")


def edit_words(paragraphs: list[str], rng: random.Random, fraction: float) -> list[str]:
    """Change about ``fraction`` of the words: synonyms, figures, a dropped or added word."""
    words = [(i, m) for i, p in enumerate(paragraphs) for m in WORD.finditer(p)]
    if not words:
        return paragraphs
    n = max(1, round(fraction * len(words)))
    chosen = sorted(rng.sample(range(len(words)), min(n, len(words))), reverse=True)
    out = list(paragraphs)
    for k in chosen:
        i, m = words[k]
        w = m.group(0)
        low = w.lower()
        if low in SYNONYMS:
            new = SYNONYMS[low]
        elif w[0].isdigit():
            digits = [c for c in w if c.isdigit()]
            j = rng.randrange(len(digits))
            new_digit = str((int(digits[j]) + rng.randint(1, 8)) % 10)
            pos = [q for q, c in enumerate(w) if c.isdigit()][j]
            new = w[:pos] + new_digit + w[pos + 1 :]
        else:
            r = rng.random()
            if r < 0.4 and len(w) > 3:
                new = ""  # dropped
            elif r < 0.7:
                new = w + " " + rng.choice(("reportedly", "also", "now", "still", "further", "already"))
            else:
                new = rng.choice(("the", "its", "this", "that", "local", "key", "major", "recent"))
        p = out[i]
        out[i] = (p[: m.start()] + new + p[m.end() :]).replace("  ", " ")
    return out


TYPOGRAPHY: dict[str, Callable[[str, random.Random], str]] = {
    "curly": lambda t, r: re.sub(r"'", "’", re.sub(r'"([^"]*)"', r"“\1”", t)),
    "dashes": lambda t, r: t.replace(" - ", " — ").replace(" -- ", " – ").replace("--", "—"),
    "nbsp": lambda t, r: re.sub(
        r"(\d) (percent|per cent|million|billion|trillion|people|km)", "\\1\u00a0\\2", t
    ).replace(". ", ".\u00a0 ", 3),
    "ellipsis": lambda t, r: t.replace("...", "…"),
    "guillemets": lambda t, r: re.sub(r'"([^"]*)"', r"« \1 »", t),
    "apostrophe": lambda t, r: t.replace("'", "ʼ"),
    "soft-hyphen": lambda t, r: re.sub(r"(\w{12,})", lambda m: m.group(1)[:6] + "\u00ad" + m.group(1)[6:], t),
}


def wrap(paragraph: str, width: int) -> str:
    """Break ``paragraph`` into lines of at most ``width`` columns at spaces."""
    lines: list[str] = []
    line = ""
    for word in paragraph.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return "\n".join(lines)


def split_sentences(paragraph: str) -> list[str]:
    return [s for s in SENTENCE_END.split(paragraph) if s]


EDITS = ("site", "dateline", "typography", "words", "para-add", "para-drop", "merge", "split", "wrap")
# Probability that a copy (other than the single-edit ones) has each edit; the number of
# edits per copy then spreads the
# similarity to the original as the issue measured it (5th percentile 0.64, median 0.81,
# 95th 0.97 on --base generated).
SINGLE_EDIT = 0.15  # the share of copies with one edit only
EDIT_RATES = {
    "site": 0.8,
    "dateline": 0.7,
    "typography": 0.6,
    "words": 0.65,
    "para-add": 0.25,
    "para-drop": 0.3,
    "merge": 0.3,
    "split": 0.2,
    "wrap": 0.2,
}


def site_lines(profile: Profile, rng: random.Random, pool: tuple[str, ...], budget: int) -> list[str]:
    """Header or footer lines of the split, up to ``budget`` characters (at least one)."""
    out: list[str] = []
    for line in rng.sample(pool, len(pool)):
        line = line.format(d=rng.randint(1, 28), Month=rng.choice(MONTHS))
        if out and sum(map(len, out)) + len(line) > budget:
            break
        out.append(line)
    return out


def editorial_paragraph(rng: random.Random, body: Body) -> str:
    """A paragraph an outlet adds: context of its own, written by the grammar."""
    cast = body.cast or make_cast(rng, rng.choice(TOPICS))
    return " ".join(
        cast.fill(rng.choice(GENERIC_SENTENCES + cast.topic.sentences), rng) for _ in range(rng.randint(1, 2))
    )


def drop_paragraphs(paragraphs: list[str], rng: random.Random, n: int) -> list[str]:
    """Drop ``n`` paragraphs other than the first, each at most a quarter of the text; where
    the paragraphs are all longer (a text of a few long blocks), the last sentence of one."""
    out = list(paragraphs)
    for _ in range(n):
        size = sum(map(len, out))
        short = [i for i in range(1, len(out)) if len(out[i]) <= 0.25 * size]
        if short:
            del out[rng.choice(short)]
            continue
        i = rng.randrange(len(out))
        sentences = split_sentences(out[i])
        if len(sentences) > 1:
            out[i] = " ".join(sentences[:-1])
    return out


def make_copy(original: Doc, profile: Profile, rng: random.Random) -> tuple[str, list[str], str]:
    """A republication of ``original``: (text, edits applied, site)."""
    if rng.random() < SINGLE_EDIT:
        edits = [rng.choice(EDITS)]
    else:
        edits = [e for e in EDITS if rng.random() < EDIT_RATES[e]] or [rng.choice(EDITS)]
    body = original.body
    paragraphs = list(body.paragraphs)
    lead, credit = original.lead, original.credit
    site = rng.choice(profile.sites)
    if "para-drop" in edits:
        paragraphs = drop_paragraphs(paragraphs, rng, 1 if rng.random() < 0.85 else 2)
    if "para-add" in edits:
        paragraphs.insert(rng.randint(1, len(paragraphs)), editorial_paragraph(rng, body))
    if "words" in edits:
        paragraphs = edit_words(paragraphs, rng, rng.uniform(0.01, 0.05))
    if "merge" in edits and len(paragraphs) > 2:
        for _ in range(rng.randint(1, max(1, len(paragraphs) // 3))):
            if len(paragraphs) < 3:
                break
            i = rng.randrange(len(paragraphs) - 1)
            paragraphs[i : i + 2] = [paragraphs[i] + " " + paragraphs[i + 1]]
    if "split" in edits:
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(paragraphs))
            parts = split_sentences(paragraphs[i])
            if len(parts) > 1:
                cut = rng.randint(1, len(parts) - 1)
                paragraphs[i : i + 1] = [" ".join(parts[:cut]), " ".join(parts[cut:])]
    if "dateline" in edits:
        city = body.cast.values["city"] if body.cast else rng.choice(rng.choice(COUNTRIES)[2])
        r = rng.random()
        if lead and r < 0.4:
            lead = ""
        elif r < 0.8:
            lead = dateline(profile, rng, city)
        if rng.random() < 0.5:
            credit = "" if credit else rng.choice(profile.credits)
    text_pars = list(paragraphs)
    text_pars[0] = lead + text_pars[0]
    if credit:
        text_pars[-1] = text_pars[-1].rstrip(".") + credit
    if "typography" in edits:
        forms = rng.sample(profile.typography, rng.randint(1, len(profile.typography)))
        for form in forms:
            text_pars = [TYPOGRAPHY[form](p, rng) for p in text_pars]
    sep = rng.choice(profile.separators)
    if "wrap" in edits:
        width = rng.randint(*profile.wrap)
        text_pars = [wrap(p, width) for p in text_pars]
        sep = sep * 2 if sep != "\r\n" else "\r\n\r\n"
    if "site" in edits:
        size = sum(map(len, text_pars))
        budget = int(size * rng.uniform(0.03, 0.15))
        head_budget = int(budget * rng.uniform(0.2, 0.8))
        header = site_lines(profile, rng, profile.headers, head_budget) if rng.random() < 0.8 else []
        footer = (
            site_lines(profile, rng, profile.footers, budget - head_budget) if rng.random() < 0.8 or not header else []
        )
        text_pars = header + text_pars + footer
    return sep.join(text_pars), edits, site


# --------------------------------------------------------------------------------------------
# The stream.
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Doc:
    """A document of the stream and its truth."""

    id: str
    url: str
    text: str
    story: str
    kind: str
    original: str | None
    time: float
    body: Body
    lead: str = ""
    credit: str = ""


def shingles(text: str) -> set[str]:
    """The character 5-grams of the lower-cased text, raw (no other normalisation)."""
    t = text.lower()
    return {t[i : i + 5] for i in range(max(1, len(t) - 4))}


def jaccard(a: str, b: str) -> float:
    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y) if x or y else 1.0


def slug(rng: random.Random, text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())[:6]
    return "-".join(words) + f"-{rng.randint(10000, 99999)}"


def followup_parts(source: Body, new: Body, rng: random.Random) -> list[str] | None:
    """One or two paragraphs of ``source`` (or sentences of one) short enough to stay under
    30% of either body once inserted into ``new``."""
    size_s = sum(map(len, source.paragraphs))
    size_n = sum(map(len, new.paragraphs))
    limit = 0.25 * min(size_s, size_n + 0.25 * size_s)
    candidates = [p for p in source.paragraphs[1:] if len(p) <= limit] or []
    if not candidates:
        sentences = [s for p in source.paragraphs[1:] for s in split_sentences(p) if len(s) <= limit]
        if not sentences:
            return None
        candidates = [rng.choice(sentences)]
    picked = rng.sample(candidates, min(len(candidates), rng.choice((1, 2))))
    while sum(map(len, picked)) > limit and len(picked) > 1:
        picked.pop()
    return picked


def long_quote(body: Body, rng: random.Random) -> str | None:
    """The story's long quote (a paragraph), or its longest sentence with quote marks."""
    if body.quote_at is not None and body.quote_at < len(body.paragraphs):
        return body.paragraphs[body.quote_at]
    quoted = [s for p in body.paragraphs for s in split_sentences(p) if QUOTE_CHARS.search(s) and len(s) >= 80]
    return max(quoted, key=len) if quoted else None


def trim_quote(text: str, limit: float, most: float = float("inf")) -> str:
    """The first sentences of a quote paragraph, at most ``limit`` characters (at least one),
    closed with the paragraph's attribution when it has one. A first sentence longer than
    ``most`` is cut at the last space within ``limit``: in some real text the splitter finds
    no sentence end (Persian punctuation, "word.Word" without a space), and the "sentence" is a
    whole paragraph, which in a short story is most of it.

    >>> trim_quote("One two three four five six seven eight nine ten", 20, most=30)
    'One two three four'
    >>> trim_quote("One two three four five six seven eight nine ten", 20)
    'One two three four five six seven eight nine ten'
    """
    sentences = split_sentences(text)
    out, rest = sentences[0], sentences[1:]
    if len(out) > most:
        cut = out.rfind(" ", 0, int(limit) + 1)
        out, rest = (out[:cut], []) if cut > 0 else (out, rest)
    for s in rest:
        if len(out) + 1 + len(s) > limit:
            break
        out += " " + s
    if out != text and out[0] == '"':
        tail = text[text.rfind('"') + 1 :] if text.count('"') >= 2 else ""
        out = out.rstrip('."') + '."' if not tail else out.rstrip('."') + ',"' + tail
    return out


def boilerplate(profile: Profile, rng: random.Random, site: str, size: int) -> tuple[str, str]:
    """The header and footer of a boilerplate-heavy site, about ``size`` characters in all:
    a menu, promotions, a copyright line."""
    name = site.split(".")[0].title()
    header = [f"{name} — news you can trust"]
    footer = [f"© {name}. All rights reserved."]
    menu: list[str] = []
    for item in rng.sample(profile.menu, len(profile.menu)):
        if len(" | ".join(menu + [item])) > 0.4 * size - len(header[0]) - len(footer[0]):
            break
        menu.append(item)
    header.append(" | ".join(menu))
    for promo in rng.sample(profile.promos, len(profile.promos)):
        if sum(map(len, header + footer)) + len(promo) > size:
            break
        (header if len(header) <= len(footer) else footer).insert(1, promo)
    return "\n".join(header), "\n".join(footer)


def plan_counts(n: int) -> dict[str, int]:
    """How many documents of each kind a stream of ``n`` documents gets."""
    neg = round(0.04 * n)
    unrelated = max(neg, round(0.12 * n))
    return {"neg": neg, "unrelated": unrelated, "families": n - 4 * neg - unrelated}


COPIES_PER_STORY = (0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8)
# Base stories a document uses on average (originals, the new bodies of hard negatives,
# unrelated stories, with a margin): a file base is never exhausted half-way, which would
# leave the stream without hard negatives.
BODIES_PER_DOC = 0.5


def build(n_docs: int, split: str, base_kind: type[GeneratedBase] | Path, seed: int = 0) -> list[Doc]:
    """The stream of ``n_docs`` documents (fewer if a file base runs out), in stream order."""
    profile = PROFILES[split]
    salt = f"newsclean-republish:{SPLIT_SALT[split]}:{seed}"
    rng_story = random.Random(salt + ":story")
    rng_edit = random.Random(salt + ":edit")
    rng_time = random.Random(salt + ":time")
    base: Base = GeneratedBase(rng_story) if base_kind is GeneratedBase else FileBase(Path(str(base_kind)), rng_story)
    left = base.left()
    if left is not None and left < BODIES_PER_DOC * n_docs:
        print(
            f"republish_corpus: {left} articles in the base make about {int(left / BODIES_PER_DOC)} documents, not {n_docs}",
            file=sys.stderr,
        )
        n_docs = int(left / BODIES_PER_DOC)
    counts = plan_counts(n_docs)
    docs: list[Doc] = []
    counter = iter(range(10**9))

    def new_doc(
        body: Body,
        kind: str,
        story: str | None,
        original: Doc | None,
        time: float,
        site: str,
        text: str | None = None,
        lead: str = "",
        credit: str = "",
    ) -> Doc:
        n = next(counter)
        doc_id = f"{split[0]}{seed:02d}-{n:06d}"
        if text is None:
            pars = list(body.paragraphs)
            pars[0] = lead + pars[0]
            if credit:
                pars[-1] = pars[-1].rstrip(".") + credit
            text = "\n".join(pars)
        url = f"https://{site}/{rng_edit.choice(('news', 'world', 'business', 'society', 'article'))}/{slug(rng_edit, body.paragraphs[0])}"
        d = Doc(doc_id, url, text, story or doc_id, kind, original.id if original else None, time, body, lead, credit)
        docs.append(d)
        return d

    def later(t: float) -> float:
        r = rng_time.random()
        if r < 0.7:
            delay = rng_time.expovariate(1 / 0.004)
        elif r < 0.9:
            delay = rng_time.uniform(0, 0.15)
        else:
            delay = rng_time.uniform(0, 1 - t)
        return min(t + delay + 1e-9, 1.0 + rng_time.random() * 1e-6)

    def original_of(body: Body) -> Doc:
        city = body.cast.values["city"] if body.cast else rng_edit.choice(rng_edit.choice(COUNTRIES)[2])
        lead = dateline(profile, rng_edit, city) if rng_edit.random() < 0.55 else ""
        credit = rng_edit.choice(profile.credits) if rng_edit.random() < 0.3 else ""
        return new_doc(
            body, "original", None, None, rng_time.random(), rng_edit.choice(profile.sites), lead=lead, credit=credit
        )

    # Stories and their copies.
    originals: list[Doc] = []
    budget = counts["families"]
    while budget > 0:
        body = base.take()
        if body is None:
            break
        orig = original_of(body)
        originals.append(orig)
        budget -= 1
        for _ in range(min(budget, rng_edit.choice(COPIES_PER_STORY))):
            text, edits, site = make_copy(orig, profile, rng_edit)
            new_doc(body, "copy:" + "+".join(edits), orig.story, orig, later(orig.time), site, text=text)
            budget -= 1

    # Plain unrelated stories; some from boilerplate-heavy sites, the bases of neg:boilerplate.
    plated: list[tuple[Doc, str, str]] = []
    for i in range(counts["unrelated"]):
        body = base.take()
        if body is None:
            break
        if i < counts["neg"]:
            site = rng_edit.choice(profile.boilerplate_sites)
            size = sum(map(len, body.paragraphs))
            head, foot = boilerplate(profile, rng_edit, site, int(size * rng_edit.uniform(0.25, 0.35)))
            text = head + "\n" + "\n".join(body.paragraphs) + "\n" + foot
            d = new_doc(body, "unrelated", None, None, rng_time.random(), site, text=text)
            plated.append((d, head, foot))
        else:
            new_doc(body, "unrelated", None, None, rng_time.random(), rng_edit.choice(profile.sites))

    # Hard negatives, each made from an earlier document.
    sources = [o for o in originals]
    rng_edit.shuffle(sources)
    with_quote = [o for o in sources if long_quote(o.body, rng_edit)]
    for kind in ("followup", "quote", "topic"):
        pool = with_quote if kind == "quote" else sources
        made = 0
        for src in pool:
            if made >= counts["neg"]:
                break
            new = base.related(src.body) if kind in ("followup", "topic") else base.other(src.body)
            if new is None:
                break
            pars = list(new.paragraphs)
            if kind == "followup":
                reused = followup_parts(src.body, new, rng_edit)
                if reused is None:
                    continue
                for p in reused:
                    pars.insert(rng_edit.randint(1, len(pars)), p)
            elif kind == "quote":
                q = long_quote(src.body, rng_edit)
                assert q is not None
                # The quote stays under 30% of the source, as a follow-up's paragraphs do.
                source = sum(map(len, src.body.paragraphs))
                q = trim_quote(q, 0.2 * min(source, sum(map(len, pars))), most=0.3 * source)
                pars.insert(rng_edit.randint(1, len(pars)), q)
            body = Body(pars, new.topic, None, new.cast, new.used)
            new_doc(body, f"neg:{kind}", None, src, later(src.time), rng_edit.choice(profile.sites))
            made += 1
    for src, head, foot in plated:
        new = base.other(src.body)
        if new is None:
            break
        pars = list(new.paragraphs)
        plate = len(head) + len(foot)
        # Trim or extend the body so the shared boilerplate is 20-28% of the document.
        target = plate / rng_edit.uniform(0.2, 0.28) - plate
        while sum(map(len, pars)) > target and len(pars) > 2:
            pars.pop()
        while sum(map(len, pars)) < 0.8 * target:
            extra = base.other(src.body)
            if extra is None:
                break
            pars += extra.paragraphs[1:]
        body = Body(pars, new.topic, None, new.cast, new.used)
        text = head + "\n" + "\n".join(pars) + "\n" + foot
        new_doc(body, "neg:boilerplate", None, src, later(src.time), src.url.split("/")[2], text=text)

    docs.sort(key=lambda d: d.time)
    if len(docs) < n_docs:
        print(f"republish_corpus: the base ran out: {len(docs)} documents instead of {n_docs}", file=sys.stderr)
    return docs


# --------------------------------------------------------------------------------------------
# Output and the report on stderr.
# --------------------------------------------------------------------------------------------


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (linear interpolation, as numpy's default)."""
    s = sorted(values)
    if not s:
        return math.nan
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def report(docs: Sequence[Doc]) -> Iterator[str]:
    """Lines for stderr: counts by kind, the similarity of copies and hard negatives."""
    by_id = {d.id: d for d in docs}
    kinds = Counter(d.kind.split(":")[0] if d.kind.startswith("copy") else d.kind for d in docs)
    size = sum(len(d.text.encode("utf-8")) for d in docs)
    yield f"{len(docs)} documents, {size / 1e6:.1f} MB, {size / max(1, len(docs)):.0f} bytes each on average"
    for k, count in sorted(kinds.items()):
        yield f"  {k:18s} {count:6d}"
    edits = Counter(e for d in docs if d.kind.startswith("copy:") for e in d.kind[5:].split("+"))
    yield "  copy edits: " + ", ".join(f"{e} {edits[e]}" for e in EDITS)
    sims: dict[str, list[float]] = defaultdict(list)
    for d in docs:
        if d.original is not None:
            kind = "copy" if d.kind.startswith("copy") else d.kind
            sims[kind].append(jaccard(d.text, by_id[d.original].text))
    c = sims.get("copy", [])
    if c:
        qs = " ".join(f"p{int(q * 100)}={quantile(c, q):.3f}" for q in (0.05, 0.25, 0.5, 0.75, 0.95))
        yield f"raw char-5 Jaccard, copy vs original ({len(c)}): min={min(c):.3f} {qs}"
    for kind in ("neg:followup", "neg:quote", "neg:boilerplate", "neg:topic"):
        v = sims.get(kind, [])
        if v:
            yield f"raw char-5 Jaccard, {kind} vs its source ({len(v)}): max={max(v):.3f} p95={quantile(v, 0.95):.3f}"


def write(docs: Sequence[Doc], out: Path, truth: Path) -> None:
    with out.open("w", encoding="utf-8") as f, truth.open("w", encoding="utf-8") as g:
        for d in docs:
            f.write(json.dumps({"id": d.id, "url": d.url, "text": d.text}, ensure_ascii=False) + "\n")
            g.write(json.dumps({"id": d.id, "story": d.story, "kind": d.kind, "original": d.original}) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--docs", type=int, default=20000, help="documents in the stream (default: 20000)")
    p.add_argument("--split", choices=sorted(PROFILES), default="dev")
    p.add_argument("--base", default="generated", help="'generated' or a JSONL file of real articles (a 'text' field)")
    p.add_argument("--seed", type=int, default=0, help="another stream of the same split (default: 0)")
    p.add_argument("--out", type=Path, required=True, help="the stream (JSONL: id, url, text)")
    p.add_argument("--truth", type=Path, required=True, help="the truth (JSONL: id, story, kind, original)")
    args = p.parse_args(argv)
    base: type[GeneratedBase] | Path = GeneratedBase if args.base == "generated" else Path(args.base)
    docs = build(args.docs, args.split, base, args.seed)
    write(docs, args.out, args.truth)
    for line in report(docs):
        print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
