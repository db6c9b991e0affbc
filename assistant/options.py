"""Every threshold and switch of answer composition, in one frozen object.

The engine answers with `AnswerOptions()` unless given others; benchmarks and tests switch a
rule off or move a threshold by passing options (`AnswerOptions(links=False)`), never by
patching the code. `assistant ask --explain` prints the options in force.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from index.modes import RRF_K


class AnswerOptions(BaseModel):
    """How an answer is decided and shaped (defaults calibrated on the bundled calibration set
    with the bundled model; see scripts/calibrate_abstention.py and docs/evaluating.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # decide: answer or abstain
    min_line: float = Field(0.29, description="Answer only if some line of a top section is at "
                            "least this similar (cosine) to the question.")  # fmt: skip
    max_missing_in_phrase: float = Field(
        0.49,
        description="A phrase of the question still counts as covered with up to this share "
        "of its ordinary words missing from the notes.",
    )
    uncovered_phrases: bool = Field(
        True,
        description="Phrase rule: a question none of whose phrases the notes cover (each has "
        "more than max_missing_in_phrase of its words in no note) for want of one word, whose "
        "words the notes do write are all ordinary English (no name the user capitalised, no "
        "code) or ubiquitous (in "
        "ubiquitous_share of a folder's sections: a tool's name in its own docs), is declined "
        "as one about a missing name is: 'What is my insulin dose?' of notes on metformin's "
        "dose; 'How do I uninstall rivet?' of rivet's docs. "
        "Several words in no note are the user's own wording of what the notes say otherwise.",
    )
    uncovered_all: bool = Field(
        True,
        description="With the phrase rule: a question none of whose subject words is in any "
        "note is declined too, however many they are ('Who is our pest control contractor?' "
        "of a bakery's notes was answered from the oven's service contract). Several missing "
        "words beside one the notes write are still read as the user's own wording.",
    )
    uncovered_phrase_line: float = Field(
        0.6,
        ge=-1.0,
        le=1.0,
        description="The phrase rule declines only while the best line scores under this: a "
        "line that close says it in other words ('When is my dentist appointment?' was "
        "declined, 'appointment' being in no note, over 'Dentist called to reschedule. Dr. "
        "Okonkwo moved my cleaning to May 3rd', 0.65; the testers' questions it declines "
        "rightly score 0.32 to 0.57).",
    )
    new_subject: bool = Field(
        True,
        description="New-subject rule: a follow-up that names a subject of its own ('and in "
        "carbonara?' of recipes/carbonara.md: a word the user capitalised, or one a note's "
        "path holds) asks about it in place of the last question's subject of that kind "
        "(a capitalised name for a name, a path's word for a path's word), not about both: "
        "'and Globex?' after 'What did Sarah from Acme say about pricing?' keeps 'pricing'.",
    )
    whole_line: bool = Field(
        True,
        description="Whole-line rule: a question is answered under min_line when a line of a "
        "top section holds every one of its subject terms (two or more, or one with a digit), "
        "or its note's file name or front-matter labels do; that section is quoted first.",
    )
    other_languages: bool = Field(
        True,
        description="Other-language rule: a question of six words or more, under 15% of "
        "them English function words ('Wie lange darf ein Job auf dem Cluster laufen?'), is "
        "read as another language: a word of it the notes lack counts as a name only with "
        "seven letters or more ('Sauerteigbrot'; not 'darf', 'laufen'), and capitals mark "
        "no names (German writes every noun so).",
    )
    siblings: bool = Field(
        True,
        description="Sibling rule: an ordinary word the notes never write, just before a word "
        "their headings or file names write after two or more others ('boat insurance' of "
        "notes headed 'Car insurance', 'Travel insurance'), is a missing name; a quantifier "
        "or a superlative names no kind ('every rate', 'the lowest rate').",
    )
    text_siblings: bool = Field(
        True,
        description="Text-sibling rule: the sibling rule reads the notes' text too, not only "
        "their headings and file names ('flood damage' of notes writing 'water damage' and "
        "'accidental damage', never 'flood'), while the best line scores under "
        "uncovered_phrase_line: a line that close says it in other words ('what internal "
        "temperature should the roast chicken reach?' of notes writing 'room temperature', "
        "0.64).",
    )
    names: bool = Field(
        True,
        description="Name rule: a name the user capitalised that the notes lack needs a covered "
        "phrase that names something, or the assistant abstains; a capitalised word of two or "
        "three letters counts as a name only as an acronym the model's vocabulary lacks "
        "('TSH'), where the question lacks nothing else.",
    )
    local_sections: int = Field(
        3,
        ge=1,
        description="Local coverage rule: a name the question uses (a word it capitalised or "
        "one that is not ordinary English) counts as covered only if one of the top this-many "
        "sections mentions it (heading, text or the note's path); elsewhere in a large folder "
        "it is about something else.",
    )
    code_lines: bool = Field(
        True,
        description="Code-line rule: a line writing every code the question names ('KR2.3', "
        "'2.3.1', 'INC-2041') scores as its section's best line, so its quote is of it "
        "('what is KR 2.3?' quoted KR2.1 and KR2.2, the lines the model read closer).",
    )
    row_labels: bool = Field(
        True,
        description="Row-label rule: a table row whose first cell holds only words of the "
        "question ('| **total** | …' for 'What's the total budget?') scores as its section's "
        "best line, so a long table's quote is of it (the total row of a 13-row budget was "
        "left out, 'IC top-ups' scoring closer); and a number the question writes with a "
        "unit ('at 60ft', '12 AWG', '#12') labels a lookup table's row of that number; and a "
        "row whose first cell holds a question word, under a header holding another, is the "
        "cell asked for ('deductible for hail?' of '| Wind/hail |' under '| … | Deductible |').",
    )
    codes: bool = Field(
        True,
        description="Code rule: where none of the top evidence_sections sections writes "
        "every clause, version or issue number the question names ('3.2.2', '2.4.1', "
        "'#1423'), key chord ('C-x C-e', '⌘⇧L', '<leader>hs') or passage it quotes (four "
        "words or more), the first section that does "
        "(among the first ten found, or else by keyword search) takes the last of their "
        "places; the top section writing them is "
        "quoted first, no section that does not, and the others found writing them when "
        "the question asks about nothing else; and a line of a top section writing them all "
        "answers however far its cosine falls short ('What does clause 3.2.2 say?' was "
        "declined, its line scoring 0.23).",
    )
    todo_lines: bool = Field(
        True,
        description="To-do rule: a line opening with TODO or FIXME that asks a question or "
        "marks what its writer does not know ('look up', 'find out') is no evidence, unless "
        "the question asks about to-dos "
        "('todo', 'task', 'left', 'need', 'pending'...): 'TODO: what's the difference btwn "
        "flippase and scramblase?? look up' was quoted, 'high', as that question's answer.",
    )
    code_notes: bool = Field(
        True,
        description="Note-context code rule: for the code rule, a section writes a code its "
        "note writes above it, in its properties or a section it sits under ('What "
        "connectors do I use on the RG-213?' quoted 'Main run is RG-213' alone, not the "
        "'## Connectors' below it); a note's properties are quoted first only when no other "
        "top section writes it.",
    )
    sibling_headings: bool = Field(
        True,
        description="Sibling-heading rule: where headings side by side (the same note, the "
        "same headings above) are told apart by a name the question capitalises (one names "
        "it, no section under the others writes it), the sections under the others are "
        "another's and left out ('What dose of metoprolol does Mum take?' quoted "
        "'Medications › Sarah (me)', found beside 'Medications › Mum (Maggie)'); not a "
        "note's top headings, its topics. So are a folder's notes writing none of the name "
        "where one of them is named by it alone ('What dose of Apoquel does Miso take?' "
        "quoted pets/biscuit.md beside pets/miso.md).",
    )
    note_top: bool = Field(
        True,
        description="Note-top rule: a note's top section (under its title, before its first "
        "subheading) is said of every section of the note, as its front matter is, for the "
        "local coverage rule ('At what Kindle location is the highlight "
        "…?' was declined, the note's 'Read: Jan 2024 (audiobook + Kindle)' line being "
        "above its Highlights section).",
    )
    together: bool = Field(
        True,
        description="Together rule: where the section whose line answers best lacks a name "
        "the question capitalises that another of the top local_sections sections writes, "
        "the first of them writing all such names is quoted first ('what's the RSU offer "
        "from Figma?' quoted the Databricks offer, the Figma note being about its interviews).",
    )
    named_quotes: int = Field(
        5,
        ge=0,
        description="Named-quotes rule: where a quoted section writes a name the question "
        "capitalises that the notes write in at most this many sections, the further quoted "
        "sections that write none of such names are left out ('the confirmation code for "
        "our hotel in Sintra?' quoted another trip's bookings table beside the Sintra note); "
        "0: off. A "
        "name written all over ('EC2', 'macOS' of `mac/` notes) qualifies, it is no subject.",
    )
    clauses: bool = Field(
        True,
        description="Clause rule: a question joining questions of its own (', and can…'), one "
        "of which uses only words the notes have, is answered as partly covered though the "
        "name rule finds nothing in it that names something.",
    )
    compounds: bool = Field(
        True,
        description="Compound rule: an identifier of words joined by _ or . "
        "(pg_advisory_lock, lazy.nvim), a command-line option (--link-dest), a ticket's or "
        "host's number (INC-2099), a version (2.5.0), or a word the notes number in series "
        "with its number ('session 14' where headings hold 'Session 12', 'Session 13'), that "
        "none of the top local_sections sections writes is missing, so the answer is partly "
        "covered, though each of its words is in the notes; a question of nothing else (but "
        "the word before it naming its kind: 'bug LF-045') is not covered.",
    )
    name_headings: bool = Field(
        True,
        description="Headed-name rule: for the compound rule, a full name the user "
        "capitalised is written by a top section holding each of its words, one or more in "
        "its headings or note path ('Which firmware is on the Heltec Meshtastic boards?' of "
        "'# Meshtastic' over 'Two Heltec V3 boards' said Heltec Meshtastic was missing).",
    )
    clippings: bool = Field(
        True,
        description="Clipping rule: a clipped word the question writes on its own (repo, "
        "auth, config; index.retrieve.CLIPPINGS) is covered by a section that writes a word it "
        "stands for (repository; authentication or authorization; configuration), and read "
        "as that word where the notes never write the clipping; one whose full words are all "
        "ordinary ('temp': temperature, temporary) is an ordinary word, never a missing name; "
        "one the question capitalises mid-sentence is a name ('how much did I pay Dev?'), "
        "unless a month's or weekday's ('Mar 2025'); "
        "and shorthand out of the model's vocabulary that begins one word the notes write is "
        "read as it ('nitro': nitroglycerin).",
    )
    abbreviations: bool = Field(
        True,
        description="Abbreviation rule: a phrase of the question that a line of the notes "
        "writes beside its initials in capitals (a glossary's '| OA | oxalic acid |') is "
        "searched with that abbreviation too, and a section writing the abbreviation mentions "
        "the phrase's words: 'oxalic acid trickle' finds, and is answered by, '## OA trickle'. "
        "The other way round, a question asking only what an abbreviation means ('What does "
        "DH mean?') is searched with the phrase a line writes beside it ('**DH** = dry hop').",
    )
    joined_words: bool = Field(
        True,
        description="Joined-words rule: the keyword search looks for a verb and its particle "
        "as the one word the notes write too ('failing over': 'failover'; 'set up': 'setup'), "
        "and a word of the pair the notes never write is read as that word, not said to be "
        "missing ('How do I back up my notes?' of notes on their 'Backup').",
    )
    part_suffixes: bool = Field(
        True,
        description="Part-suffix rule: a code of letters then digits the notes never write is "
        "read as the code they write with a letter or two after it, a part's package ('How "
        "is the output of the LM317 set?' of notes writing 'LM317T' was declined, 'Your "
        "notes don't mention LM317').",
    )
    spelling_variants: bool = Field(
        True,
        description="Spelling-variant rule: a word the notes never write is read as its "
        "American or British spelling where they write that ('How much is the harbor "
        "permit?' of notes writing 'Harbour' was declined, 'Your notes don't mention "
        "harbor'; color/colour, center/centre, organize/organise, license/licence, "
        "traveled/travelled, anemia/anaemia, gray/grey).",
    )
    derived_words: bool = Field(
        True,
        description="Derived-word rule: a word out of the model's vocabulary that the notes "
        "never write, made of a word they do write with '-y', '-ish' or '-age' (endings the "
        "stemmer leaves on), is read as that word: 'getting mouldy' of notes writing 'no "
        "mould', 'fleshy' of 'flesh', 'bluish' of 'blue', 'shrinkage' of 'shrink'.",
    )
    split_words: bool = Field(
        True,
        description="Split-word rule: a word the notes never write whole but write as two "
        "words joined by a hyphen ('wifi' for Wi-Fi, 'ebook' for e-book, 'inc2099' for "
        "INC-2099, 'hcsr04' for HC-SR04), or a verb and its particle they write apart "
        "('login' for 'log in'), is read as those two words, searched and counted as "
        "covered, not said to be missing; and a CamelCase name mentions its words "
        "('KafkaConsumerLagHigh': Kafka).",
    )
    typo_context: bool = Field(
        True,
        description="Typo-context rule: a word the notes lack that differs from a notes word "
        "by letters changed (not left out, added or two swapped: 'confgure', 'wieght' are "
        "slips) is read as that word only where a note writes it beside one of the "
        "question's other rare names (capitalised, or no ordinary word; when it has any): "
        "'tokio' in a Rust question is not 'tokyo' of a travel note.",
    )
    asked_nouns: bool = Field(
        True,
        description="Asked-noun rule: an ordinary word no note writes, where the question "
        'names the thing it asks for (what a possessive owns, "Tyler\'s phone"; the thing of '
        "'what', 'which' or 'how many' before its verb, 'What language do people speak in "
        "Veyle?') of a "
        "name the notes write, is said missing and makes the answer partly covered, as a "
        "missing name does; unless a line of the top sections says it in other words "
        "(asked_noun_line), or it is a measure ('size', 'cost', 'temperature') the top "
        "sections write a number for ('312 bp'), or a word for kinds ('policies', 'types', "
        "'steps'), which notes list by name.",
    )
    asked_noun_line: float = Field(
        0.35,
        ge=0.0,
        le=1.0,
        description="With the asked-noun rule: a line of the top sections at least this close "
        "to the asked word alone says it in other words ('What temperature do I bake "
        "sourdough at?' of '375g water (~30°C)', 0.45), and the word is not said missing.",
    )
    asked_nouns_here: bool = Field(
        True,
        description="Asked-noun rule in the sections found: a word the asked-noun rule would "
        "say missing that some note writes, but none of the top local_sections sections, is "
        "said missing too ('whats Priya's phone number?' of a buddy list naming Priya, where "
        "only a packing list writes 'phone'), unless a line of those sections says it in "
        "other words (asked_noun_line) or it is a measure, kind or value word, as above.",
    )
    ordinary_missing: bool = Field(
        False,
        description="Ordinary-word rule, off: an answer (partly covered too) does not say "
        "which ordinary English words or small bare numbers of the question the notes lack "
        "('Your notes don't mention look.', '... 1.' of 'paper 1' where they write 'P1'; "
        "'#1500' is said): on the calibration sets 29 of 35 such sentences were on questions "
        "the notes answer, in other words. A name the notes lack is always said; --explain "
        "lists the words left unsaid.",
    )
    ubiquitous_share: float = Field(
        0.2,
        description="A term in at least this share of the sections of a folder of 50 or more "
        '("dendron" in Dendron\'s own notes) names nothing in particular there: it does not '
        "anchor a phrase for the name rule.",
    )
    # retrieve
    line_pool: int = Field(
        0,
        ge=0,
        description="Line retrieval: the BM25 candidates and the top this-many dense ones are "
        "ranked a third time, by their best single line's cosine with the question (stored "
        "line vectors; with the link rule, lines of nothing but links left out), and that "
        "ranking joins the fusion (hybrid only). 0, the default: off; 100 lifted the AWS docs "
        "and Dendron but lowered the bundled notes and til (docs/evaluating.md, "
        '"Line retrieval").',
    )
    rrf_k: int = Field(
        RRF_K,
        ge=1,
        description="Hybrid fusion: a section's score is the sum over retrievers of "
        "1 / (rrf_k + its rank). Small values keep a section one retriever ranks first near "
        "the top though the other misses it (5: chosen on the calibration sets; 60, the "
        'customary value, before; docs/evaluating.md, "Fusion constant").',
    )
    path_weight: float = Field(
        0.5,
        ge=0,
        description="Path ranking: the candidates' notes ranked by how many of the question's "
        "words their path holds (folders and file name: `git/cherry-pick-a-range.md`) join "
        "the fusion at this weight (hybrid only; 0: off). Chosen on the calibration sets "
        '(docs/evaluating.md, "Path ranking").',
    )
    phrases: bool = Field(
        True,
        description="Joined words as phrases: a word the question writes joined by '-' or '.' "
        '("t-test", "Pi-hole", "2.3.0") is also searched by keywords as its parts side '
        'by side, so "t-test" is not just "test" and version 2.3.0 not 2.4.0 '
        '(docs/evaluating.md, "Joined words as phrases").',
    )
    keyword_names: bool = Field(
        True,
        description="Keyword-names rule: the section the keyword search ranks first among "
        "those mentioning every name of the question the evidence_sections first sections "
        "lack, when it is not among them, takes the last of their places (a terse note's "
        "'- SOC2 audit fieldwork Jul 7-18' ranked fifth, and the question was declined); "
        "among them already but alone in naming those names, it is quoted first (as the "
        "together rule's section is), where its best line scores min_line or more. Where no "
        "section found mentions them all, a keyword search for sections writing the names "
        "and another of the question's words looks beyond them.",
    )
    headings: bool = Field(
        True,
        description="Heading rule: a section whose headings and note name every subject word "
        "of the question, two or more or one with a digit ('INC-2041: Checkout outage › Root "
        "cause' for 'root cause of the checkout outage'; '202306021030.md' for 'what is note "
        "202306021030 about'), or write the numbered words of a series it names ('Problem 4' "
        "for 'the answer to problem 4'), or a code it names ('2.3.1', 'INC-2041'), is quoted "
        "first, however its lines score, and no section headed with another item of that kind "
        "('[2.3.0]', 'ADR-0009') beside it; one among the first ten retrieved is scored with "
        "the evidence sections.",
    )
    # line evidence
    evidence_sections: int = Field(
        3, ge=1, description="Top sections whose single lines are compared with the question."
    )
    evidence_lines: int = Field(
        10, ge=1, description="Most lines per section scored (lexical matches first)."
    )
    rescore_lines: int = Field(
        10,
        ge=0,
        description="Pooled rule: with pooled line vectors (setting line_vectors = pooled), "
        "the this-many best lines by their pooled score are embedded on their own as the "
        "question is answered, and scored so, which keeps the decisions own line vectors give "
        "(0: off; no effect with own line vectors).",
    )
    # select sections
    pieces: bool = Field(
        True,
        description="Piece rule: a piece of a long table is quoted only if its best row is "
        "within quote_window of the table's best, as the lines of a section too long to "
        "quote whole are (a 52-row table's `J` row for 'join lines', not twelve rows above).",
    )
    line_margin: float = Field(
        0.12,
        description="Quote further sections only if their best line is within this of the "
        "best line overall (the top hit is kept within twice this).",
    )
    min_companion_line: float = Field(
        0.45,
        description="Quote a further section only if its best line also scores at least this: "
        "within the margin of a weak best line, a line this far from the question adds words, "
        "not an answer.",
    )
    parts: bool = Field(
        True,
        description="Parts rule: a question that joins questions of its own (', and how…', "
        "'…? What…') has each part searched on its own too, and the section that best answers "
        "a part is quoted even when the whole question's best line outscores it; not for a "
        "part naming something the notes lack.",
    )
    prices: bool = Field(
        True,
        description="Price rule: a one-part question asking what a thing it names costs, "
        "answered by quotes that name the thing but write no amount of money ('$45', "
        "'£700', '12.99', 'free', or a number in a table with a price column), is partly "
        "covered: 'The sections found don't mention price.' ('How much did I pay for the "
        "Shimpo wheel?' quoted the wheel's row of an equipment table, bought 2023-01, as "
        "if it answered).",
    )
    quoted_names: bool = Field(
        True,
        description="Quoted-notes rule: a name the question capitalises that the notes write "
        "(not in ubiquitous_share of the folder), but none of the quoted notes does, makes "
        "the answer partly covered: 'The sections found don't mention Patchwork.' ('How "
        "does button income work in Patchwork?' quoted a games log that never names it).",
    )
    part_missing: bool = Field(
        True,
        description="Part-missing rule: a part of a two-part question that no line answers "
        "(under min_line, searched on its own) and that names a word no note writes makes "
        "the answer partly covered, that word missing ('What's the shower valve model and "
        "how much does it cost?' quoted the model, 'answered'); not a lowercase two-letter "
        "word ('…and where do they go'), nor, where the quoted sections write numbers, the "
        "degree a 'how' asks ('…and how precise is it' of a scale's '0.1g').",
    )
    more: bool = Field(
        True,
        description="More rule: a follow-up that asks only for more ('tell me more', 'what "
        "else?') passes over the sections the last answer quoted, instead of quoting them "
        "again, and quotes the rest of the notes it quoted, under min_line too.",
    )
    best_first: bool = Field(
        False,
        description="Order rule, off: the quoted sections in order of their best line, the "
        "closest to the question first, not in retrieval order. On the gold sets it put an "
        "expected section first less often (docs/evaluating.md, 'Order rule').",
    )
    first_margin: float = Field(
        0.12,
        description="First-margin rule (with best_first off): the sections quoted keep "
        "retrieval order, but the one holding the best line comes first when the first "
        "section's best line falls more than this below it (1.0: never), unless a rule "
        "chose the first (heading, code, together, date...); the testers' "
        "folders' first citations on the expected lines 728 -> 751 of 1,044 (docs/"
        "evaluating.md, 'Order rule').",
    )
    lead_in_sections: bool = Field(
        True,
        description="Lead-in rule, sections: a section that only introduces its subsections "
        "hands its place to them.",
    )
    lead_in_run_on: bool = Field(
        True,
        description="Lead-in rule, quotes: a quote ending on a line that introduces what "
        "follows runs on through it, as does one ending inside the list a lead-in of its own "
        "introduces; a short line of its own directly over a list, no sentence, is one ('Part "
        "2 — strength/balance (pick 3)' ended a quote, none of its exercises quoted).",
    )
    question_run_on: bool = Field(
        True,
        description="Question rule: a quote ending on a line that asks a question (outside "
        "code) runs on through the block after it, its answer: an interview's next turn, the "
        "paragraph after a FAQ's question.",
    )
    lead_in_parts: int = Field(
        3, ge=1, description="Most subsections quoted in place of a lead-in section."
    )
    dates: bool = Field(
        True,
        description="Date rule: a question naming a day ('what happened on 2024-04-23', "
        "'on April 23rd') quotes first the sections whose note or heading is that day "
        "(daily/2024-04-23.md, a journal's '## 2024-04-23'; a month's note, budget/2024-01.md "
        "or '# Budget Jan 2024', is each of its days), by the piece holding the best line, "
        "as many as k allows, and leaves out other days'; a line never says the day a daily "
        "note's name does.",
    )
    problem_answers: bool = Field(
        True,
        description="Problem rule: when the best line's section is headed as a problem "
        "('Symptom', 'Error: …'), the sections after it headed as its answer ('Cause', 'Fix', "
        "'Workaround'; a case brief's 'Holding' after its 'Issue'), beside it or under it, "
        "are quoted right after it: a helpdesk note's Symptom repeats the question, its "
        "Cause and Fix answer it.",
    )
    # shape quotes
    max_quote_lines: int = Field(12, ge=1, description="Most lines in one quote.")
    code_after_paragraph: int = Field(
        20,
        ge=0,
        description="Paragraph rule: a quote ends at the end of its paragraph and, when a code "
        "block follows it (the command the prose introduces), runs on through that block, if "
        "the whole quote stays within this many lines, with a line or two written right "
        "under the block's closing fence (a caveat on the command); a quote of one paragraph "
        "that ends "
        "inside the block after it, or that ends on a lead-in to the block ('make a service "
        "that runs as root:' after a writeup's finding), closes the block within as many "
        "(0: off).",
    )
    outline: bool = Field(
        True,
        description="Outline rule: in a note of no heading but its title that is a list of "
        "two or more top-level items, some with items of their own (a Logseq page, a journal "
        "of bullets), a quote is whole top-level items: the best "
        "line's item with its children, and the items next to it holding a line within "
        "quote_window of it, within max_quote_lines; never the whole outline because it is "
        "short, nor a parent item without the child that answers. A journal kept in one "
        "file, its entries lines that start with a day ('[2025-03-14 09:12] Pi day…'), is "
        "quoted by whole entries the same way.",
    )
    outline_sections: bool = Field(
        True,
        description="With the outline rule: a piece of a section under a heading, too long "
        "to embed whole, that is such a list is quoted by whole top-level items too, not only "
        "a note of no heading but its title (Readwise's '## Highlights' of a book: the piece "
        "of twelve highlights was quoted whole for one). A short section under a heading stays "
        "whole: its first item often sums up the rest ('Accommodate ECS Service Scaling by "
        "adding underlying EC2 Instances' was left out).",
    )
    best_paragraph: bool = Field(
        True,
        description="Best-paragraph rule: a quote whose earlier lines leave no room for the "
        "rest of its best line's paragraph and the code block after it (the paragraph rule's "
        "limits) starts at a later paragraph instead, never past the best line's own.",
    )
    command_piece: bool = Field(
        True,
        description="Command rule: when a section's quote stops before a lead-in whose "
        "paragraph is among its best lines (within command_window) and introduces a code "
        'block ("We can run the following command:"), that paragraph and block are quoted '
        "too, and the first quote is cut so both stay within max_quote_lines (a best line in "
        "a code block keeps its whole block: the error a note shows before the fix).",
    )
    command_window: float = Field(
        0.16,
        ge=0,
        description="Command rule: how far below the section's best line a lead-in's paragraph "
        "may score (a lead-in shares few words with the question; twice quote_window).",
    )
    next_command: bool = Field(
        True,
        description="Next-command rule, the answer's first section: a quote that ends with "
        "its best line's paragraph (or list, its best line the last item: '4. Monthly: rclone "
        "to the external SSD' over the commands), "
        "when the next block holds code (inline or a code block: how-to notes state the "
        "problem, then the command that solves it), takes that block too, its start moving "
        "to a later paragraph (never past the best line's) to stay within the paragraph "
        "rule's limits; unchanged if it cannot. A quote ending on a comment inside code "
        "takes the command under it ('# delete branches gone on remote' over 'git fetch -p "
        "&& …').",
    )
    attribution: bool = Field(
        True,
        description="Attribution rule: a quote of a block-quoted passage keeps the line that "
        "attributes it, right below ('— Seneca, Letter 1'), and one starting at that line "
        "starts at the passage.",
    )
    labels: bool = Field(
        True,
        description="Label rule: a quote starting under a short label line ending in ':' "
        "(a plain-text note's 'KAREN:' over its indented lines, 'Ingredients:' over a list), in "
        "the same block, starts at the label: 'What are Karen's allergies?' quoted the lines "
        "under 'ME:' without it, the writer's allergy read as Karen's.",
    )
    latest: bool = Field(
        True,
        description="Latest rule: a question about the last (or first) time of something "
        "('when did I last change the oil?') quotes first the newest (oldest) of the retrieved "
        "sections that say their day, with its year, among those holding most of its words; "
        "a log of dated entries in one section counts, quoted at its newest (oldest) entry.",
    )
    block_body: bool = Field(
        True,
        description="Body rule: a quote whose best line is in code and opens an indented "
        "block (an ssh config's 'Host docker01', a YAML key, 'server {') takes the lines "
        "indented under it too, within max_quote_lines: its value is there ('User me'); "
        "so does a quote in code that starts at such a line and ends inside its block "
        "(a compose file's 'radarr:' service, its 'ports:' last).",
    )
    sentence_start: bool = Field(
        True,
        description="Sentence rule: a quote whose first line continues a sentence from the "
        "line above (a hard-wrapped paragraph) starts after that line when it only ends the "
        "sentence and comes before the best line, else where that sentence does (if the quote "
        "stays within its length limit); a quote cut for the command rule ends where a "
        "sentence does, and one its length limit cuts mid-sentence where that sentence ends "
        "(within code_after_paragraph lines), else after the last sentence it holds whole.",
    )
    one_line: float = Field(
        0.0,
        ge=0,
        description="One-line rule, off (0): in a section short enough to quote whole, a best "
        "line leading the next by this much is quoted as the lines near it are in a longer one "
        "(with its table's header row, its card's question), not the whole section. At 0.2 "
        "quotes were shorter but the bundled gold set's key phrases fell (docs/evaluating.md).",
    )
    quote_window: float = Field(
        0.08,
        description="In a section too long to quote whole, lines within this of its best "
        "line's score are quoted with it.",
    )
    piece_window: bool = Field(
        True,
        description="Piece-window rule: a quote from a piece that is no whole headed section "
        "(a later piece of a section split for the model, or a note, or its start, under no "
        "heading) keeps to its best line and the lines nearly as close (quote_window), as a "
        "long section's does, not the whole piece because it fits in max_quote_lines: 'What "
        "is lexical priority?' quoted six definitions of a glossary's split piece.",
    )
    tabs: bool = Field(
        True,
        description="Tab rule: a docs page's content tabs (Hugo's '{{< tab \"macOS\" >}}', "
        "Docusaurus's '<TabItem>', MkDocs's '=== \"macOS\"') are ways of doing one thing, one "
        "per platform: the quote keeps to the tab holding the best line when every line "
        "nearly as close is in it ('How do I install rivet on macOS?' quoted the Linux tab's "
        "apt command after brew).",
    )
    links: bool = Field(
        True,
        description="Link rule: lines of nothing but links (wiki links, transclusions and "
        "#tags too), or of words that only point to them ('see: [[…]]', a label over a "
        "transclusion: 'Decisions: ![[…]]'; 'Sources: [[…]]'), are no evidence, and a quote "
        "does not end on a list of links (not a footer under a list either: 'Links: [[…]]' a "
        "blank line below its last item) or a line of #tags, nor start on a line of #tags "
        "(Bear's under a note's title; a list of wiki links is kept: in a wiki its items are "
        "the content; a link ending the sentence the line above began is part of it).",
    )
    bookmarks: bool = Field(
        True,
        description="Bookmark rule: a list item linking to a web page ('- [Helm chart best "
        "practices](https://helm.sh/…)', a bare https:// address) is evidence, though the "
        "link rule leaves out lines that only link to other notes: in a folder of saved "
        "links it is the answer ('do I have the helm chart best practices link?' quoted a "
        "cooking page). A paragraph's lone '[source](https://…)' stays navigation.",
    )
    comments: bool = Field(
        True,
        description="Comment rule: lines of nothing but HTML comment (<!-- TODO -->, a "
        "comment over several lines), and a <style> or <script> block's, are no evidence: the "
        "rendered note does not show them.",
    )
    markup: bool = Field(
        True,
        description="Markup rule: lines outside code that show the reader no words of their "
        "own (tags alone: '<Tabs>', '</TabItem>', '<details>'; macros: '{{query …}}', "
        "'{{embed …}}', '{{< figure >}}'; an MDX import or export; an outliner's block state: "
        "'collapsed:: true', 'id:: <uuid>', a bare '((<uuid>))', ':LOGBOOK:') are no evidence, "
        "and a quote does not start or end on one, nor on a notes app's query block ('```"
        "dataview' … '```': the app shows its results there, never its words).",
    )
    titles: bool = Field(
        True,
        description="Title rule: a note's first line alone in a piece of its own, under no "
        "heading, short and ending no sentence, with the note going on after it (a plain-text "
        "note's title over a body too long to share its piece: 'Gift ideas') is no evidence.",
    )
    property_line: float = Field(
        0.25,
        ge=0.0,
        le=1.0,
        description="Property rule: a line of a note's front-matter properties (scored, as "
        "every line under no heading, with the note's title before it, which tells Anna's "
        "`birthday:` from Tom's) is evidence only where it scores at least this on its own: "
        "under its title `date: 2023-10-22` scored 0.64 for 'What was my finish time at the "
        "York marathon?' and was quoted first, 0.22 alone; `rating: 5`, the least of the "
        "answers seen, 0.26 alone for 'How many stars did I give Project Hail Mary?'. Nor is "
        "a line whose value is a number or code the question writes ('code: E1042', 0.81, was "
        "quoted alone for 'What does error E1042 mean?'). 0 switches it off.",
    )
    merge_gap: int = Field(
        2, ge=0, description="Quotes of one section at most this many lines apart become one."
    )
    repeats: bool = Field(
        True,
        description="Repeat rule: a quote word for word the same as one already given under "
        "the same heading (a note copied into another, a transcluded section) is left out; "
        "--explain says where else it is. Under another heading (a journal's entry per date) "
        "it is quoted.",
    )


DEFAULT_OPTIONS = AnswerOptions()
