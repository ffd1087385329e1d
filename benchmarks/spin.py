"""Synonym spinning, as article spinners and light machine paraphrase do it (issue 12, item 5).

Written here (no model download): a small synonym table of news English, applied to a
share of the words that have an entry; word-order changes inside clauses (a trailing
time or place phrase moved to the front, "X and Y" turned round, "said X" made "X
said"); and a share of sentences dropped. Deterministic for a given seed. Used by
benchmarks/paraphrase_eval.py and tests/test_paraphrase.py to build paraphrased copies
of real articles.
"""

from __future__ import annotations

import random
import re

# Each row: words that can stand for one another in news copy. A spinner picks any
# other word of the row (regardless of sense: spinners do not read).
_ROWS = """
said stated told remarked noted
says states tells remarks notes
president leader head
meeting summit talks encounter
meet confer
met conferred
country nation state
countries nations states
government administration authorities
officials authorities representatives
official representative
important significant key major
big large huge
small little minor
new fresh recent
first initial
last final previous
week period
expected anticipated predicted
expect anticipate predict
low modest limited
high elevated strong
help assist aid
helped assisted aided
show demonstrate reveal
showed demonstrated revealed
agreement deal accord pact
attack assault strike
warned cautioned alerted
warn caution alert
asked questioned queried
ask question query
answer reply response
began started commenced
begin start commence
end finish conclude
ended finished concluded
accused charged blamed
allegations accusations claims charges
investigation inquiry probe
election vote poll
people citizens individuals
many numerous several
often frequently regularly
also too additionally
however nevertheless nonetheless
because since as
about regarding concerning
after following
before prior ahead
during throughout
including comprising
tried attempted sought
try attempt seek
make create produce
made created produced
use employ utilize
used employed utilized
called named termed
plan scheme strategy
plans schemes strategies
policy approach strategy
issue matter topic
issues matters topics
relationship relations ties
criticism condemnation censure
criticized condemned slammed
praised lauded commended
support backing endorsement
supported backed endorsed
wanted desired wished
want desire wish
need require
needed required
think believe consider
thought believed considered
hope aspire
hopes aspirations
question query
questions queries
news reports
report account
reported stated announced
spokesman spokesperson representative
city town
world globe
military armed forces
forces troops
war conflict
trade commerce
economic financial
economy market
company firm business
companies firms businesses
market marketplace
price cost
prices costs
rise increase climb
rose increased climbed
fall drop decline
fell dropped declined
percent per cent
quickly rapidly swiftly
slowly gradually
recently lately
later subsequently
now currently presently
still yet
very extremely highly
really truly
likely probable
possible feasible
difficult hard tough
easy simple
clear obvious evident
strong powerful robust
weak feeble
good positive
bad negative poor
best finest
worst poorest
major main principal
group organization
groups organizations
leaders heads
member participant
members participants
home house residence
car vehicle automobile
job work position
jobs positions
money funds cash
children kids
women ladies
men gentlemen
day date
years decades
would might could
will shall
can may
could might
must should
has holds
have hold
had held
get obtain receive
got obtained received
give provide offer
gave provided offered
take seize grab
took seized grabbed
go head proceed
went headed proceeded
come arrive
came arrived
see view observe
saw viewed observed
know understand
knew understood
say state
look appear seem
looked appeared seemed
find discover
found discovered
keep maintain retain
kept maintained retained
leave depart exit
left departed exited
put place
set established
run operate manage
turn rotate
turned rotated
move shift
moved shifted
change alter modify
changed altered modified
talk speak converse
talked spoke conversed
speaking talking
meeting gathering
offer proposal
offered proposed
hold host
held hosted
added included
add include
continue proceed persist
continued proceeded persisted
remain stay
remained stayed
become turn
became turned
bring deliver
brought delivered
build construct
built constructed
buy purchase acquire
bought purchased acquired
sell market
sold marketed
pay settle
paid settled
lose forfeit
lost forfeited
win earn secure
won earned secured
lead guide direct
led guided directed
follow pursue
followed pursued
allow permit enable
allowed permitted enabled
stop halt cease
stopped halted ceased
open launch
opened launched
close shut
closed shut
call phone
reach attain
reached attained
face confront
faced confronted
raise lift
raised lifted
cut reduce
increase boost
increased boosted
reduce lower decrease
reduced lowered decreased
ahead forward
again once more
already previously
almost nearly practically
around roughly approximately
between among
despite notwithstanding
against versus
across throughout
among amid
while whereas
though although
but yet
so therefore thus
if whether
only merely just
even still
well properly
just simply
more additional further
most maximum
less fewer
other different
same identical
such similar
each every
several various numerous
all entire whole
some certain
any whatever
few handful
long lengthy
short brief
early premature
late tardy
old aged
young youthful
public open
private personal
political governmental
national countrywide
international global worldwide
foreign overseas
local regional
federal national
military defense
security safety
intelligence information
report statement
statement declaration
comments remarks
comment remark
speech address
interview conversation
conference gathering
visit trip
trip journey
arrival landing
decision choice ruling
decided determined chose
decide determine choose
effort attempt bid
efforts attempts bids
action move step
actions moves steps
event occasion
events occasions
situation circumstance
problem difficulty
problems difficulties
result outcome
results outcomes
reason cause
way manner method
ways manners methods
part portion
place location spot
area region zone
time moment occasion
times moments occasions
number figure
level degree
side party
point moment
case instance
fact reality
idea notion concept
view opinion perspective
power strength authority
rights entitlements
law legislation
laws legislations
court tribunal
judge justice
police law enforcement
lawmakers legislators
congress legislature
senator lawmaker
party faction
campaign drive
voters electorate
relations ties
ally partner
allies partners
enemy foe adversary
threat danger menace
crisis emergency
peace harmony
deal bargain
sanctions penalties
interference meddling
hacking breaching
indicted charged
charges counts
spy agent
spies agents
diplomat envoy
diplomats envoys
embassy mission
minister secretary
ministers secretaries
foreign external
domestic internal
capital metropolis
border frontier
region territory
nuclear atomic
weapons arms
missile rocket
missiles rockets
attack offensive
threatened menaced
demanded insisted
claimed alleged asserted
denied rejected
refused declined
agreed concurred
insisted maintained
suggested proposed
explained clarified
described characterized
confirmed verified
announced declared
released issued
published issued
expressed voiced
raised lifted
signed inked
joined united
pushed pressed
pressure strain
focus emphasis
focused concentrated
concern worry
concerns worries
concerned worried
fear dread
fears dreads
hope optimism
believe trust
likely probably
perhaps maybe possibly
especially particularly
largely mostly mainly
fully completely entirely
directly straight
publicly openly
privately secretly
immediately instantly
finally ultimately eventually
recently newly
widely broadly
closely carefully
highly greatly
deeply profoundly
repeatedly consistently
sharply steeply
""".strip()
SYNONYMS: dict[str, list[str]] = {}
for _row in _ROWS.splitlines():
    _words = _row.split()
    for _w in _words:
        SYNONYMS.setdefault(_w.lower(), [x for x in _words if x.lower() != _w.lower()])

_TOKEN = re.compile(r"[A-Za-z]+|[^A-Za-z]+")
_SENTENCE = re.compile(r"(?<=[.!?\"'”’])\s+(?=[\"'“‘A-Z0-9])")
# A sentence ending in a time or place phrase ("..., on Monday."): the phrase can open it.
_TRAILING = re.compile(r"^(?P<head>.+?),? (?P<tail>(?:on|in|at|last|this|next|during|after|before) "
                       r"[A-Z0-9][\w ,]{2,30})(?P<end>[.!?])$")
_AND = re.compile(r"\b([A-Z][a-z]+) and ([A-Z][a-z]+)\b")
_SAID = re.compile(r"\bsaid ((?:the )?[A-Z][a-z]+(?: [A-Z][a-z]+)?)([,.])")


def _swap_words(sentence: str, rng: random.Random, share: float) -> str:
    out = []
    for tok in _TOKEN.findall(sentence):
        alts = SYNONYMS.get(tok.lower())
        if alts and rng.random() < share:
            new = rng.choice(alts)
            tok = new[0].upper() + new[1:] if tok[0].isupper() else new
        out.append(tok)
    return "".join(out)


def _reorder(sentence: str, rng: random.Random, share: float) -> str:
    if rng.random() < share:
        m = _TRAILING.match(sentence)
        if m:
            head, tail = m["head"], m["tail"]
            # The old opening word loses its capital, unless it is a name or an acronym ("U.S.").
            first = head[0] if head[:2] == head[:2].upper() else head[0].lower()
            sentence = f"{tail[0].upper()}{tail[1:]}, {first}{head[1:]}{m['end']}"
    if rng.random() < share:
        sentence = _AND.sub(lambda m: f"{m[2]} and {m[1]}", sentence, count=1)
    if rng.random() < share:
        sentence = _SAID.sub(lambda m: f"{m[1]} said{m[2]}", sentence, count=1)
    return sentence


def sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE.split(paragraph.strip()) if s]


def spin(paragraphs: list[str], *, seed: int, words: float = 0.5, reorder: float = 0.5, drop: float = 0.1) -> list[str]:
    """A spun copy of ``paragraphs``: ``words`` of the words with a synonym swapped,
    each sentence reordered with probability ``reorder``, ``drop`` of the sentences left out."""
    rng = random.Random(seed)
    out = []
    for para in paragraphs:
        kept = [s for s in sentences(para) if rng.random() >= drop]
        spun = [_reorder(_swap_words(s, rng, words), rng, reorder) for s in kept]
        if spun:
            out.append(" ".join(spun))
    return out
