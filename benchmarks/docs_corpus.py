"""A deterministic corpus of news-like documents with planted republications, for
``bench_index.py`` (the cross-document index benchmark).

Stories are written from a word list with the frequencies of the wire copy in
``tests/cases`` (embedded below, so the corpus does not change when the cases do), with
numbers, quotes, agency datelines and credits. Every document is published on one of 40
sites, each with its own header and footer lines (site boilerplate), straight or curly
quotes, and paragraph layout.

The stream (``corpus(n, seed)``) mixes, in a seeded order:

* ``original``: a new story (70% by default);
* ``republication`` of a recent original (30%): on another site (other header and
  footer, quotes, layout), plus 1-3 edits from ``EDITS``: whitespace, dateline or
  credit added/removed/changed, re-wrapped lines, a few words changed, a paragraph added
  or dropped, or a ``heavy_edit`` (several paragraphs dropped, added or rewritten, which
  puts the pair near or below the threshold on purpose);
* hard negatives (``follow_up``: the first two paragraphs of a recent story, then new
  reporting; ``shared_quote``: a new story quoting one long paragraph of a recent one),
  5% by default.

Ground truth (``Doc.truth_j``) is the exact Jaccard similarity of the word 3-gram sets
of the story text (``Doc.content``: the paragraphs as written, without header, footer,
dateline or credit; casefolded ``\\w+`` words) between a document and the document it
was made from (``Doc.source``). A document is a true near-duplicate when that similarity
is >= the threshold (0.8); for documents that were made from nothing it is ``None``.
Unrelated stories share only a handful of common 3-grams, so duplicates only exist where
they were planted (``bench_index.py`` checks every reported pair exactly anyway).

    >>> docs = corpus(50, seed=1)
    >>> [d.text for d in docs] == [d.text for d in corpus(50, seed=1)]
    True
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Sequence
from functools import lru_cache

# word:count (count 1 when absent), from the clean text of tests/cases/*.json (ASCII words).
VOCABULARY = """
the:746 and:374 to:299 in:280 of:259 a:179 on:163 said:137 for:110 year:102 from:90 by:89
percent:83 as:73 with:62 more:55 than:52 that:50 its:49 at:46 first:45 will:45 would:42 USD:39
Vietnam:38 million:37 new:37 rose:35 two:35 billion:34 China:34 up:34 government:33 ministry:32
their:32 it:31 exports:29 were:29 have:28 be:27 had:27 expected:26 bank:24 half:24 an:23 has:23
next:23 after:22 country:22 people:22 prices:22 three:22 while:22 approved:21 trade:21 Friday:20
Monday:20 state:20 this:20 about:19 central:19 months:19 but:18 demand:18 national:18 several:18
between:17 energy:17 under:17 was:17 years:17 countries:16 cut:16 largest:16 last:16
Officials:16 plan:16 Thursday:16 Tuesday:16 United:16 city:15 during:15 high:15 higher:15 is:15
over:15 second:15 Wednesday:15 investment:14 most:14 part:14 quarter:14 they:14 agreed:13
also:13 fund:13 health:13 inflation:13 rising:13 speed:13 along:12 are:12 been:12 earlier:12
land:12 Laos:12 minister:12 near:12 oil:12 rate:12 reduce:12 since:12 Singapore:12 South:12
States:12 target:12 Thailand:12 which:12 before:11 build:11 housing:11 including:11 Indonesia:11
keep:11 Malaysia:11 not:11 railway:11 remained:11 time:11 tourism:11 Vietnamese:11 We:11
accounts:10 capital:10 could:10 data:10 foreign:10 groups:10 hold:10 India:10 international:10
Japan:10 Korea:10 lawmakers:10 lower:10 May:10 nearly:10 projects:10 public:10 signed:10 them:10
tonnes:10 another:9 Asia:9 Cambodia:9 company:9 construction:9 development:9 education:9 end:9
every:9 export:9 farmers:9 five:9 growth:9 hours:9 industrial:9 invest:9 period:9 power:9
record:9 Saturday:9 told:9 wages:9 warned:9 agency:8 companies:8 cooperation:8 costs:8 create:8
electric:8 Europe:8 food:8 grew:8 increase:8 interest:8 June:8 late:8 now:8 opened:8
production:8 provinces:8 rates:8 season:8 shipments:8 showed:8 some:8 still:8 strong:8 supply:8
through:8 Vientiane:8 visitors:8 water:8 world:8 above:7 across:7 aim:7 around:7 back:7 bill:7
board:7 border:7 care:7 coal:7 continued:7 copper:7 crude:7 day:7 districts:7 East:7
electricity:7 exporters:7 expressway:7 fell:7 finance:7 growing:7 help:7 helped:7 kept:7 level:7
local:7 main:7 meet:7 meeting:7 Mekong:7 month:7 no:7 office:7 output:7 parliament:7 pressure:7
price:7 products:7 raise:7 reached:7 regional:7 saying:7 says:7 so:7 start:7 statement:7
transport:7 weather:7 welcomed:7 according:6 adding:6 agreement:6 air:6 asked:6 audited:6
Australia:6 authorities:6 both:6 businesses:6 capacity:6 coast:6 control:6 Delta:6 direct:6
drought:6 economy:6 effect:6 expand:6 extend:6 extended:6 faster:6 financed:6 firm:6 fuel:6
future:6 generations:6 goods:6 governor:6 income:6 independent:6 industry:6 joint:6
manufacturing:6 market:6 metro:6 minimum:6 mining:6 ministers:6 Mongolia:6 Myanmar:6 network:6
partnership:6 plans:6 plant:6 producers:6 province:6 real:6 region:6 revenues:6 rice:6 Russia:6
saving:6 sector:6 services:6 sides:6 six:6 Southeast:6 sovereign:6 spending:6 such:6 summer:6
Sunday:6 taken:6 talks:6 total:6 tourists:6 until:6 use:6 used:6 wealth:6 week:6 work:6
workers:6 account:5 accounting:5 agreements:5 agriculture:5 airport:5 Analysts:5 arrivals:5
Association:5 average:5 Bangladesh:5 banks:5 benchmark:5 budget:5 Chinese:5 cho:5 coffee:5
consumption:5 current:5 cuts:5 days:5 domestic:5 elections:5 emergency:5 European:5 families:5
fertiliser:5 fighting:5 flights:5 four:5 full:5 further:5 futures:5 grain:5 Hanoi:5 he:5 heavy:5
highest:5 household:5 into:5 key:5 led:5 lines:5 living:5 making:5 markets:5 military:5
mission:5 monsoon:5 official:5 offset:5 open:5 orders:5 other:5 out:5 pace:5 palm:5 para:5
parks:5 passengers:5 pay:5 Phase:5 prime:5 raising:5 reach:5 recovered:5 remain:5 rivers:5
sales:5 set:5 solar:5 southern:5 stations:5 Statistics:5 straight:5 support:5 surplus:5 tax:5
times:5 town:5 trong:5 upgrade:5 wage:5 weak:5 West:5 when:5 worth:5 yen:5 administration:4
again:4 anniversary:4 annual:4 area:4 Armed:4 Asian:4 basis:4 began:4 below:4 borders:4 Bureau:4
came:4 can:4 car:4 carmakers:4 cashew:4 centre:4 Chi:4 cities:4 citing:4 civil:4 come:4
commerce:4 commercial:4 committee:4 comprehensive:4 consecutive:4 cutting:4 debt:4 decade:4
December:4 decision:4 delaying:4 Department:4 destinations:4 developers:4 digital:4 disaster:4
displaced:4 do:4 down:4 dozens:4 ease:4 economic:4 Economists:4 electronics:4 ends:4 euros:4
expanded:4 expect:4 Factory:4 fastest:4 federal:4 figure:4 fishing:4 forecast:4 forest:4 gains:4
garment:4 General:4 held:4 households:4 infrastructure:4 investors:4 Iran:4 Lao:4 las:4 later:4
lending:4 levels:4 line:4 long:4 longer:4 low:4 many:4 margins:4 mark:4 megawatts:4 Middle:4
Minh:4 must:4 Nations:4 nickel:4 non:4 north:4 northern:4 number:4 offer:4 once:4 one:4
operator:4 opposition:4 organisers:4 our:4 park:4 passenger:4 Philippines:4 plants:4 policy:4
private:4 processing:4 programme:4 project:4 promised:4 quality:4 raised:4 recover:4 renewable:4
reporters:4 resistance:4 risk:4 River:4 routes:4 same:4 sea:4 security:4 share:4 small:4 step:4
students:4 subsidies:4 system:4 take:4 test:4 third:4 took:4 towns:4 track:4 travel:4 trillion:4
unchanged:4 urged:4 value:4 vehicles:4 volume:4 way:4 who:4 women:4 accommodation:3 add:3
added:3 additional:3 ahead:3 aid:3 aiming:3 airline:3 already:3 announced:3 appliances:3 April:3
Assembly:3 August:3 ban:3 barrel:3 battery:3 because:3 biodiesel:3 break:3 building:3
buildings:3 buses:3 buyers:3 cabinet:3 called:3 cao:3 carried:3 carrier:3 cars:3 cash:3
Celsius:3 ceremony:3 challenges:3 change:3 charging:3 clean:3 climate:3 closed:3 coastal:3 com:3
Commission:3 communities:3 competition:3 conference:3 congestion:3 continue:3 Corporation:3
cost:3 cover:3 covering:3 customs:3 cycle:3 defence:3 degrees:3 despite:3 documents:3 double:3
driven:3 dykes:3 each:3 early:3 eased:3 easing:3 economies:3 employs:3 enough:3 Environmental:3
estimated:3 exchange:3 facilities:3 far:3 few:3 Firefighters:3 fishermen:3 flats:3 flood:3
floods:3 forcing:3 free:3 Giang:3 global:3 green:3 group:3 guard:3 hit:3 hoped:3 host:3
however:3 hydropower:3 if:3 imports:3 iron:3 Italy:3 January:3 July:3 Kenya:3 labor:3 large:3
leading:3 least:3 linking:3 Lumbini:3 mainly:3 major:3 Malaysian:3 management:3 Meteorological:3
mid:3 monetary:3 motorbikes:3 move:3 Nam:3 needed:3 needs:3 news:3 October:3 online:3 only:3
or:3 ore:3 overnight:3 owners:3 pact:3 pandemic:3 passed:3 per:3 Philippine:3 planning:3
plantation:3 point:3 points:3 police:3 polis:3 pollution:3 Press:3 que:3 rain:3 range:3 raw:3
ready:3 rebound:3 recovery:3 reforms:3 Reserve:3 residents:3 rest:3 restrictions:3 resume:3
revenue:3 ringgit:3 rise:3 Road:3 roads:3 rules:3 say:3 scholarships:3 semiconductors:3
September:3 service:3 seven:3 shift:3 slow:3 source:3 spend:3 spring:3 stabilised:3 steady:3
strategic:3 strengthen:3 struck:3 supported:3 tea:3 technology:3 ten:3 term:3 though:3
threatens:3 thu:3 traders:3 trading:3 traffic:3 train:3 Turkey:3 University:3 urban:3 using:3
Vang:3 vay:3 vehicle:3 vessels:3 Vieng:3 well:3 Western:3 where:3 wind:3 winds:3 within:3 yang:3
able:2 Abu:2 accept:2 adaptation:2 African:2 against:2 ageing:2 agricultura:2 agricultural:2
agua:2 aims:2 Airbus:2 aircraft:2 Airlines:2 all:2 allocation:2 allow:2 almost:2 anholdt:2
antara:2 any:2 approval:2 Arab:2 artificial:2 ASEAN:2 assistance:2 attract:2 AUD:2 authority:2
away:2 backed:2 bagi:2 Banco:2 Bangkok:2 banking:2 batch:2 batteries:2 beating:2 beberapa:2
become:2 Belt:2 bernama:2 better:2 bigger:2 Bilateral:2 bliver:2 boats:2 borrowers:2 Boten:2
Brent:2 Buddha:2 built:2 burned:2 bus:2 business:2 buys:2 Calabria:2 carbon:2 cargo:2 cents:2
chain:2 chaired:2 chairman:2 changed:2 changes:2 Chennai:2 chip:2 cigarettes:2 climbed:2 close:2
collapsed:2 combined:2 community:2 complete:2 completed:2 concerns:2 conditions:2 confirmed:2
constitution:2 consumer:2 continues:2 contract:2 cope:2 corridor:2 Council:2 Cross:2 Czech:2
dalam:2 damaged:2 Damascus:2 dan:2 deal:2 decades:2 decline:2 decree:2 deep:2 Defense:2
deforestation:2 del:2 delays:2 democracy:2 dependence:2 deputy:2 design:2 Devi:2 Dhabi:2
diplomatic:2 disbursement:2 discussed:2 disposable:2 doanh:2 dollar:2 durian:2 duties:2 duy:2
earnings:2 eastern:2 efforts:2 eight:2 electrical:2 electronic:2 emerging:2 encouraged:2
engineers:2 engines:2 environment:2 equipment:2 estate:2 estates:2 este:2 evacuated:2 event:2
exercises:2 expansion:2 expectations:2 expects:2 fall:2 farmland:2 farms:2 fifth:2 figures:2
fired:2 fires:2 firms:2 flat:2 flooding:2 followed:2 footwear:2 Forecasting:2 forecasts:2
forum:2 France:2 freight:2 funded:2 gas:2 Germany:2 get:2 Gold:2 good:2 Greece:2 grid:2 grow:2
Han:2 handle:2 harvest:2 hectares:2 highlands:2 Hong:2 hospitals:2 hour:2 houses:2 human:2
Hydro:2 hydrogen:2 import:2 include:2 increases:2 index:2 Indian:2 Indonesian:2 inner:2
intelligence:2 intensified:2 intergovernmental:2 Intermediate:2 inventories:2 investor:2
islands:2 Japanese:2 Java:2 journey:2 Kazakhstan:2 khi:2 known:2 Kong:2 Kuala:2 Kunming:2
labour:2 Lake:2 Lanka:2 launch:2 Law:2 leaders:2 leaving:2 less:2 levy:2 lifted:2 linh:2
linked:2 links:2 livelihoods:2 loans:2 logistics:2 los:2 Lumpur:2 lunar:2 magnitude:2 Malatya:2
mangsa:2 Manila:2 march:2 matter:2 Maya:2 med:2 members:2 metal:2 miners:2 ministro:2 money:2
monitoring:2 monks:2 monthly:2 morning:2 mountainous:2 much:2 neighbouring:2 Nepal:2
Netherlands:2 night:2 Ninh:2 nominal:2 northeast:2 nuclear:2 numbers:2 nuts:2 old:2 older:2
operating:2 orbit:2 oriented:2 outpace:2 overcrowding:2 palace:2 Paris:2 parts:2 pass:2 patrol:2
patrols:2 pattern:2 patterns:2 peak:2 pepper:2 Petrochemicals:2 planted:2 politiet:2 Portugal:2
position:2 post:2 pre:2 president:2 produce:2 protection:2 provincial:2 PTI:2 push:2 put:2
quickly:2 rail:2 rainy:2 rally:2 Reap:2 reducir:2 reduction:2 regions:2 registered:2 regulator:2
relief:2 remains:2 report:2 reported:2 Republic:2 Rescue:2 Research:2 resolution:2 resorts:2
resources:2 restrict:2 retail:2 return:2 ride:2 rights:2 room:2 route:2 running:2 runs:2
rupiah:2 Rural:2 saplings:2 satellites:2 scheme:2 school:2 Schools:2 seafood:2 secretary:2
section:2 seeks:2 sell:2 Senate:2 send:2 settle:2 severe:2 shared:2 shares:2 she:2 shilling:2
Shoal:2 shopping:2 short:2 shortages:2 should:2 siasatan:2 Siem:2 signing:2 slightly:2 slipped:2
slowing:2 social:2 soil:2 solution:2 sowing:2 spread:2 Sri:2 stable:2 started:2 stay:2 stocks:2
stood:2 stops:2 strikes:2 struggling:2 subsidised:2 substations:2 suspek:2 suspended:2 swept:2
Sydney:2 systems:2 takes:2 talk:2 tariffs:2 teams:2 temperatures:2 temple:2 tensions:2
terminal:2 Texas:2 textiles:2 Theo:2 those:2 Thousands:2 threshold:2 ties:2 Tokyo:2 tonne:2
too:2 tourist:2 training:2 trains:2 transformation:2 transmission:2 UAE:2 Ukraine:2
unemployment:2 Union:2 Venice:2 village:2 villages:2 visa:2 visas:2 visit:2 visitor:2 warn:2
warning:2 welfare:2 wheat:2 whether:2 wildfires:2 windfall:2 working:2 works:2 workshops:2
yields:2 young:2 abroad absorb academic accounted accusing Action actividad activists admissions
adopt adopted adresse advanced advised Aerospace afecta affected affordable AFP Africa afternoon
aged ago agrarias agree Ahmad aimed airports Airways akaun alimentos alive allowance allowing
almacenar although Amazon ambassador ambitious amended American amid among amp analyst Angkor
ano ansat ante anti anticipation anything AP apartment apartments applications appropriate
aprovou areas arguing army arrangement arrendamento arrive ascent asking assemble assertiveness
asset assets Associated associations ASX Athens attempted attracted auctions aunque auto
avalanche avocado awal ayudas Babuyan badminton Bahru baht balai balconies Balkhash bamboo
banned bans barangan Bari barred base based bases Basilicata basmati Batam Batanes battled
battling bede beds begin behind Beijing being Bell bending beneath berhampiran berkata berurusan
best beyond bids bimbit bird birth birthplace blaze blazes blend blending blev blevet bloc
blocks boards Boat Boeing bookings boost boosted booster borrowing brake Brazil breaks bridge
bring bringing brings broader Buddhist buena Bukit bullet bulletin Bundestag Bursa bushes buy
buyer buying BYD cable Cagayan Cai calculate calendar calling Cambodian camp campuses canals
Canberra cannon capitals cards carrying casas case catches catering caused caution celebrate
cell Center centres century certification chains chair challenge cheaper check checks chemical
children Chile chips Chonburi chronic circuit circulate cited citizens classes clearer clearly
climb climbers clock closer coalition code Coimbatore collected Colombia Colombo combustion
comes coming commented committed communication compared compensation compiled complex Comunidad
comunidades con conditioners Confederation confident conflicts connects constituency
constitutional construir consultation consumo contain container contest contexto continuing
continuous contracted contracts controlados cooperate coordinating corn costume cotton counter
court covered covers COVID credit credited credits crevasse crews crime critical criticised
criticized crop crops crore crossing crossings cumbersome currencies currency currently custos
daerah dam damage damaging Danang deaths debate debilidad debts deepen deeper defences deficit
deliveries delivery demanded demanding demarcation dengan depend dependencia describe desde
destructive devastating develop developed di did diesel difficult digit diminta dirampas
directiva direman display disponibilizar disrupted District disyaki ditahan divisions docked
docking doctors dong donors dos downstream dozen draft Dragon drawing drew drills driving drone
drop dropped dropping drops dry dua dumping durable durians Dutch dwindled earn earner earning
Earth earthquake ecosystem edible effects efter eftermiddag Egay Egypt eighth election
electrification Embroiderer embroidering Emirates emission empat employed Employers employment
ended enforcement enterprises entry eroded especially Estado estimates euro evacuate evacuation
evacuees evening evenly events everything Evia exceed exceeding excludes Executives exemption
existing expedition experiment experts exported expressed extending extension extra extreme
fabric face faces facility facing factories failed Faizal fallen familiar family fanned farm
farmer farming fee fees ferry fertilisers Festival festivals fetch fewer FIFA file Filipino fill
filmed final finals finances financial finish finished Fire firefighting fish fixed flash flight
floating Floodwaters Florence flygtede focused following football forces formal fourth fragile
frame frames fraud fremstillet French frosts fruit fue fuelled Fujian Funding funds Fuzhou ga
gained gaining Games gates gathered GDP generals generation gerente gerningsmanden gets Ghana
gia giao gives go Gobierno going Gorakhpur goverment governments Governo grade grades gradually
graduates granddaughter grandfather grandmothers gross ground grown guests guide
guldsmedeforretning Gulf hace hai handing hands hardest hari harvests hasta haul healthcare heat
heaters heatwave heatwaves heavier heavily helicopters helping her hills hillsides hiring Hmong
hoje holiday home homebuyers Hooghly hospital Hotel hotels hourly how hub Hue humanitarian huy
hvor ialah identity illnesses Ilocos impact implementing imported importer impose improve
improved improving incentive incentives incident includes incomes increased increasing
Independence indirect individu infections Inflationary influenza informal Information
infraestructuras Ingen injured inmates inquiry inspect install instead intense introduced
intrusion invested invited Iranian Iraq irrigation island issue issued Ivoire jackets jailed
Jakarta jets Jiuquan jobs Johor joined Jomo jovens jumped jumping junta justice kad Kalimantan
Kallang Kamakura ke keeps Kelantan Kenyatta kerana Ketua Kharkiv khu kilogram kilograms
kilolitres kim kingdom kinh kniv Kolkata kom komputer Koreans Kuwait Kyoto lain lakes lander
landslides language lantern lanterns larger latest laughs launched lean lease leave lebih left
legislatures lelaki likely limit limits link liquefied Lisboa listed lithium little lluvias loan
lobbied localities locally look looking loose loosen lorries loss losses lost lowered lowering
lowest Luang Luzon lying made Madurai Mai maintenance make makers Maluku manakala Manaslu mand
mandate mandatory Manden manufacturers marched marked marker martes matte Mau measures mechanism
medal Medicine medida medio Mediterranean meetings membantu member memindahkan mendapati
menggunakan Merah merugikan metals metres Meuse midsize mil milik millones minerals mines
minority minutes mod model moderate modernizar module Mohan momentum Monchique Monument Moon
mostly motorbike motors Mount moved movement moving municipal Muscat My Nadu Nairobi Naples
narrowed nationality NATO natural navy Negara negotiations negotiators Neither Nepalese nest
networks newer newest newly nhu ninth normal Norte note notice November nuevos Nusantara
objetivo obras occupancy occupation officers offices oils onsdag OPEC operate operated operation
operators oplyser opportunities optimistic Orang order ordered ores Organisation organisations
organizaciones Organization outages Outbound outdoors outskirts Outstanding outstrip overcrowded
overflow overseas overseeing overtime owed own PA package packs paddy Pahang Palestinian panel
panic PAP parliaments parte participants particularly parties partly partner Partners Party
patients paying payments Payoh peacefully pelaburan Penh penipuan Perhentian pernah persuade
petrol PETRONAS pharmaceuticals Pharmacy phases Phnom picked pig pigs pilgrims pilot pine pit
place places placing plane planes planned planners planting player pledged pledging Politi
political polled popular por porcentual port Porto ports positive possibility possible powered
Prabang Pradesh Prague pray prayers precios Precious prensa prepare preparing prepositioned
presence presidential prevention previous Prima primarily primeiras printing prioridade
prioritariamente prioritise priority prison prisons procedures processed processors produced
producer producing product profit profits programa programmes progress prolonged promote
prompting prone proposed protect protest provided puffs Puglia pulled pulses punto purchase
purchases quakes qualifiers quarterly race radar radical rainfall rainforest rains ramai
Ramallah rankings rather ratification ratified ratio rationalise rau reactors rebuild rebuilds
receipts receive received receiving recent recess reclamaron recognising recommendation recorded
records recortes recovering recycled Red Redang reduced redujo referencia referendum refinancing
refiners regantes Reggio registration rehabilitation relations release releases reliable
reliance relied reluctant remaining remote removes rendimentos Repair repaired repayments
replace replaced replacing replanting repo representatives request requires resale reservoirs
resilient resource respect respectively respiratory respond response restaurants restored
restructure restructuring result resumption Reuters reviewed revised Rhine riba rises risks
Riyadh robusta rock rocket rockets Rome roof rooftop roubles rough round rubber rueda rule
ruling run runway rupee Russian safe safely safety salaries saltwater sample samples sanctions
Santiago Sarah Sardinia Satellite save Scarborough schedule scheduled Science Scientists seas
secondary secure see seed seek Segundo sekscifret selama semalam semiconductor senere sensing
sent sentences Seorang Seoul separate separately series serious servant servants servers serving
sessions sets settlements SGD sharp sharply shelter ship shop shots shrimp side sightseeing
Signal signs silk Silver simpler simplified simplify simply sindiket Singapura single sized
skade skirts slower slump smaller smallest smallholders smelters smykker sold Songkhla sources
southwest soybeans Space Spain Speaking special speeches sports spots squeeze squeezed stabilise
stabilises stairs standard standby starting steel steep stepped stirring stop storm strengthened
stretching stricter stronger struggled struggles student studied study studying subject
submitting subsidence Sulawesi Sumatra summary summit Super supervised suppliers supplies
supplying supportive surges surrounded surveys survived switched syarikat Syria Taiwan talian
Tamil tampil tasa tassels teachers teaching team teas technique Tehran telecommunications
telefon tendered tents Terengganu terlibat terms terrenos testing Thai thanked thanks theme then
there Tho thousand threat tight tightened til timer Tioman tirsdag Toa together tomada tougher
tournament towards tra traceability trafficking transaction transfer transition travelled
travellers trees tremor tricks trippers trips troops truede Trust try tuition tujuh turn turning
Typhoon unbeaten undersea underwater units universities unsustainable upgraders upstream Ural
users usually utility Uttar vaccinated Valby Valenciana valid valoraron variants varieties
vegetables vendor venture very vessel viernes vil vines VND volatile volumes vote vulnerable
waiting wang want warehouses Washington Wat waters wave ways weakened weaker wedding weekends
weekly weeks weighed welcome white Whitfield why widened wider widespread wildfire win winter
without won wood worries written Xiamen xu yards yet yield yuan Zambales zones
"""

PLACES = (
    "Hanoi Beijing Tokyo Seoul Jakarta Manila Bangkok Singapore Delhi Mumbai Dhaka Colombo "
    "Moscow Paris Berlin London Washington Ottawa Brasilia Nairobi Lagos Cairo Canberra Wellington "
    "Geneva Brussels Rome Madrid Lisbon Vienna Warsaw Prague Athens Ankara Tehran Riyadh Doha "
    "Kuala Lumpur Vientiane Phnom Penh Yangon Ulaanbaatar Astana Tashkent Karachi Kathmandu"
).split()
SPEAKERS = [
    "the minister said",
    "a spokesperson told reporters",
    "the central bank said in a statement",
    "the company said",
    "officials said",
    "analysts said",
    "the ministry said",
    "he said",
    "she said",
    "the prime minister told parliament",
    "the governor said",
    "economists said",
]
MONTHS = "January February March April May June July August September October November December".split()

# (dateline with a {date} slot, trailing credit). A credit starting with "." replaces the
# last sentence's full stop (glued); one starting with a newline is a line of its own.
AGENCIES = [
    ("HANOI (VNA) — ", ".-VNA"),
    ("BEIJING, {date} (Xinhua) -- ", ""),
    ("WASHINGTON (Reuters) - ", ""),
    ("TOKYO, {date} (Kyodo) -- ", "\n==Kyodo"),
    ("PARIS (AFP) - ", " — AFP"),
    ("KUALA LUMPUR, {date} (Bernama) -- ", " -- BERNAMA"),
    ("NEW DELHI, {date} (PTI) ", " (PTI)"),
    ("MOSCOW, {date}. /TASS/. ", ""),
    ("SEOUL, {date} (Yonhap) -- ", ""),
    ("JAKARTA (ANTARA) - ", ""),
]
SECTIONS = ["Business", "World", "Politics", "Asia", "Economy", "Markets", "Technology", "Environment"]
PAPERS = ["Herald", "Times", "Post", "Daily", "Tribune", "Observer", "Gazette", "Courier", "Review", "Chronicle"]

EDITS = (
    "whitespace",
    "dateline",
    "credit",
    "rewrapped",
    "words_changed",
    "paragraph_dropped",
    "paragraph_added",
    "heavy_edit",
)
_EDIT_WEIGHTS = (2, 3, 2, 2, 3, 2, 2, 1.5)
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1)
def vocabulary() -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The words and their cumulative weights (for ``random.choices``)."""
    words, cum, total = [], [], 0.0
    for item in VOCABULARY.split():
        word, _, count = item.partition(":")
        total += int(count or 1)
        words.append(word)
        cum.append(total)
    return tuple(words), tuple(cum)


@dataclasses.dataclass(frozen=True)
class Site:
    name: str
    header: tuple[str, ...]
    footer: tuple[str, ...]
    curly: bool  # curly quotes in the site's copy
    blank: bool  # a blank line between paragraphs


@dataclasses.dataclass(frozen=True)
class Story:
    paragraphs: tuple[str, ...]
    agency: int
    date: str


@dataclasses.dataclass(frozen=True)
class Doc:
    """One document of the stream.

    Attributes:
        id: ``"0"``, ``"1"``, ... (its position in the stream).
        text: the document as scraped.
        kind: ``original``, ``republication``, ``follow_up`` or ``shared_quote``.
        edits: for a republication, what was changed besides the site.
        source: position of the document it was made from, or -1.
        truth_j: exact word 3-gram Jaccard of ``content`` with the source's, or ``None``.
        content: the story text alone (no header, footer, dateline, credit), one line a
            paragraph: what ground truth compares.
    """

    id: str
    text: str
    kind: str
    edits: tuple[str, ...]
    source: int
    truth_j: float | None
    content: str

    def is_duplicate(self, threshold: float = 0.8) -> bool:
        return self.truth_j is not None and self.truth_j >= threshold


def shingles(content: str) -> set[str]:
    """Word 3-grams of a text, casefolded (the ground truth's shingles)."""
    words = _WORD.findall(content.casefold())
    if len(words) < 3:
        return {" ".join(words)} if words else set()
    return {f"{words[i]} {words[i + 1]} {words[i + 2]}" for i in range(len(words) - 2)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words, self.cum = vocabulary()
        self.sites = [self._site(n) for n in range(40)]

    # -- text ---------------------------------------------------------------------------

    def _site(self, n: int) -> Site:
        rng = self.rng
        name = f"The {rng.choice(PLACES)} {rng.choice(PAPERS)}"
        section = rng.choice(SECTIONS)
        headers = [
            f"{name} | {section}",
            f"Follow {name} on Facebook and X for the latest news from the region.",
            "Listen to this article",
        ]
        footers = [
            f"Subscribe to the {name} newsletter for the morning's top stories, delivered free to your inbox.",
            f"Copyright {name}. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.",
            f"Read more: {section} news from {name}.",
            "Share this article",
        ]
        return Site(
            name,
            tuple(rng.sample(headers, rng.randint(0, 2))),
            tuple(rng.sample(footers, rng.randint(1, 3))),
            rng.random() < 0.5,
            rng.random() < 0.5,
        )

    def sentence(self, lo: int = 10, hi: int = 28) -> str:
        rng = self.rng
        n = rng.randint(lo, hi)
        words = rng.choices(self.words, cum_weights=self.cum, k=n)
        if rng.random() < 0.35:
            words.insert(rng.randrange(n), str(rng.choice((rng.randint(2, 99), rng.randint(100, 9999)))))
        if rng.random() < 0.25:
            words.insert(rng.randrange(n), rng.choice(PLACES))
        text = " ".join(words)
        text = text[0].upper() + text[1:]
        if rng.random() < 0.12:
            return f'"{text}," {rng.choice(SPEAKERS)}.'
        return text + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(1, 3)))

    def story(self, target: int | None = None) -> Story:
        rng = self.rng
        target = target if target is not None else rng.randint(1250, 3300)
        ps = [self.sentence(18, 32)]  # the lead: one long sentence
        size = len(ps[0])
        while size < target:
            ps.append(self.paragraph())
            size += len(ps[-1]) + 1
        date = f"{rng.choice(MONTHS)} {rng.randint(1, 28)}"
        return Story(tuple(ps), rng.randrange(len(AGENCIES)), date)

    def render(
        self,
        paragraphs: Sequence[str],
        site: Site,
        dateline: str,
        credit: str,
        *,
        rewrap: bool = False,
        whitespace: bool = False,
        double_capture: bool = False,
    ) -> str:
        rng = self.rng
        ps = list(paragraphs)
        if dateline:
            ps[0] = dateline + ps[0]
        if credit.startswith("."):
            ps[-1] = ps[-1][:-1] + credit if ps[-1].endswith(".") else ps[-1] + credit[1:]
        elif credit.startswith("\n"):
            ps.append(credit[1:])
        elif credit:
            ps[-1] += credit
        if double_capture:  # the scraper captured the body twice
            ps += ps[1:]
        if site.curly:
            ps = [re.sub(r'"([^"]*)"', "\u201c\\1\u201d", p) for p in ps]
        header = [h for h in site.header if rng.random() < 0.9]
        if rng.random() < 0.3:
            header.append(
                f"Published {rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(1, 12)}:{rng.randint(0, 59):02d} {rng.choice(('AM', 'PM'))}"
            )
        footer = [f for f in site.footer if rng.random() < 0.9]
        lines = header + ps + footer
        if rewrap:
            return "\n\n".join("\n".join(_wrap(p, rng.randint(55, 90))) for p in lines)
        text = ("\n\n" if site.blank else "\n").join(lines)
        if whitespace:
            text = _respace(text, rng)
        return text

    def dateline(self, story: Story, agency: int | None = None) -> str:
        agency = story.agency if agency is None else agency
        return AGENCIES[agency][0].format(date=story.date)

    # -- documents ----------------------------------------------------------------------

    def original(self, story: Story, site: Site) -> str:
        rng = self.rng
        dateline = self.dateline(story) if rng.random() < 0.7 else ""
        credit = AGENCIES[story.agency][1] if rng.random() < 0.6 else ""
        return self.render(story.paragraphs, site, dateline, credit, double_capture=rng.random() < 0.03)

    def republish(self, story: Story, site: Site) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        """(text, edits, content paragraphs) of a republication on ``site``."""
        rng = self.rng
        edits = tuple(sorted(set(rng.choices(EDITS, weights=_EDIT_WEIGHTS, k=rng.randint(1, 3)))))
        ps = list(story.paragraphs)
        dateline = self.dateline(story) if rng.random() < 0.5 else ""
        credit = AGENCIES[story.agency][1] if rng.random() < 0.5 else ""
        if "dateline" in edits:  # removed, or another agency's, or added
            dateline = "" if dateline and rng.random() < 0.5 else self.dateline(story, rng.randrange(len(AGENCIES)))
        if "credit" in edits:
            credit = "" if credit and rng.random() < 0.5 else rng.choice([c for _, c in AGENCIES if c])
        if "words_changed" in edits:
            for _ in range(rng.randint(1, 5)):
                i = rng.randrange(len(ps))
                words = ps[i].split(" ")
                j = rng.randrange(len(words))
                words[j] = rng.choices(self.words, cum_weights=self.cum)[0]
                ps[i] = " ".join(words)
        if "paragraph_dropped" in edits and len(ps) > 3:  # the shortest one, as an editor trims
            del ps[min(range(1, len(ps)), key=lambda i: len(ps[i]))]
        if "paragraph_added" in edits:
            ps.insert(rng.randrange(1, len(ps) + 1), self.paragraph())
        if "heavy_edit" in edits:
            for _ in range(rng.randint(2, 4)):
                what = rng.random()
                if what < 0.4 and len(ps) > 3:
                    del ps[rng.randrange(1, len(ps))]
                elif what < 0.7:
                    ps.insert(rng.randrange(1, len(ps) + 1), self.paragraph())
                else:
                    ps[rng.randrange(1, len(ps))] = self.paragraph()
        text = self.render(
            ps,
            site,
            dateline,
            credit,
            rewrap="rewrapped" in edits,
            whitespace="whitespace" in edits,
            double_capture=rng.random() < 0.03,
        )
        return text, edits, tuple(ps)


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line]


def _respace(text: str, rng: random.Random) -> str:
    """Whitespace a CMS might add: doubled spaces, no-break spaces, trailing spaces, CRLF."""
    out = []
    for line in text.split("\n"):
        words = line.split(" ")
        for _ in range(min(3, len(words) // 4)):
            i = rng.randrange(len(words))
            words[i] += rng.choice(("  ", "\u00a0", "\t"))
        out.append(" ".join(words) + rng.choice(("", " ", "  ")))
    return ("\r\n" if rng.random() < 0.5 else "\n").join(out)


def corpus(
    n: int, seed: int = 20240607, *, republished: float = 0.30, hard_negatives: float = 0.05, window: int = 1000
) -> list[Doc]:
    """``n`` documents: originals, republications of one of the last ``window``
    originals (rate ``republished``) and hard negatives (rate ``hard_negatives``).
    The first ``m`` documents of ``corpus(n)`` are ``corpus(m)`` (same seed)."""
    g = Generator(seed)
    rng = g.rng
    docs: list[Doc] = []
    originals: list[tuple[int, Story, int, set[str]]] = []  # (position, story, site, shingles)
    for i in range(n):
        r = rng.random()
        if originals and r < republished:
            pos, story, site, sh = rng.choice(originals[-window:])
            other = rng.choice([s for s in range(len(g.sites)) if s != site])
            text, edits, ps = g.republish(story, g.sites[other])
            content = "\n".join(ps)
            docs.append(Doc(str(i), text, "republication", edits, pos, jaccard(shingles(content), sh), content))
            continue
        if originals and r < republished + hard_negatives:
            pos, story, site, sh = rng.choice(originals[-window:])
            new = g.story(rng.randint(1100, 3000))
            if rng.random() < 0.5:
                kind, ps = "follow_up", story.paragraphs[:2] + new.paragraphs[1:]
            else:
                long = max(story.paragraphs[1:], key=len)
                at = rng.randrange(1, len(new.paragraphs) + 1)
                kind, ps = "shared_quote", new.paragraphs[:at] + (long,) + new.paragraphs[at:]
            content = "\n".join(ps)
            site_n = rng.randrange(len(g.sites))
            text = g.original(Story(tuple(ps), new.agency, new.date), g.sites[site_n])
            docs.append(Doc(str(i), text, kind, (), pos, jaccard(shingles(content), sh), content))
            continue
        story = g.story()
        site_n = rng.randrange(len(g.sites))
        content = "\n".join(story.paragraphs)
        originals.append((i, story, site_n, shingles(content)))
        if len(originals) > 2 * window:  # only the last `window` are ever drawn from
            del originals[:window]
        docs.append(Doc(str(i), g.original(story, g.sites[site_n]), "original", (), -1, None, content))
    return docs


def summary(docs: Sequence[Doc], threshold: float = 0.8) -> dict[str, object]:
    """Counts and sizes of a corpus, for the report."""
    sizes = sorted(len(d.text.encode("utf-8")) for d in docs)
    kinds: dict[str, int] = {}
    for d in docs:
        kinds[d.kind] = kinds.get(d.kind, 0) + 1
    rep = [d for d in docs if d.kind == "republication"]
    return {
        "documents": len(docs),
        "megabytes": round(sum(sizes) / 1e6, 2),
        "bytes_min_median_max": [sizes[0], sizes[len(sizes) // 2], sizes[-1]] if sizes else [],
        "kinds": kinds,
        "true_duplicates": sum(d.is_duplicate(threshold) for d in docs),
        "republications_below_threshold": sum(not d.is_duplicate(threshold) for d in rep),
        "hard_negatives_at_or_above_threshold": sum(
            d.is_duplicate(threshold) for d in docs if d.kind in ("follow_up", "shared_quote")
        ),
    }
