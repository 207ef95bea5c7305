"""Directories: importing targets and postcode tables, finding targets by postcode, and
writing to the targets of a supporter's district.

The US fixtures are slices of the real files in ../shared/data/us: 13 members of Congress
(the senators of AL, CA, GA and VT, Vermont's at-large representative, AL-3, CA-10, CA-12
and GA-14; CA-14 has no representative in the data) and 33 zccd rows, among them 94619 in
three districts, 30165 across the AL/GA line and 89019 across the CA/NV line.
"""

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from campaigns.directories.importing import (
    MAX_ERRORS,
    ImportErrors,
    import_legislators,
    import_postcodes,
    import_targets,
    import_zccd,
)
from campaigns.directories.lookup import LookupStatus, lookup, normalize_postcode
from campaigns.extensions import db
from campaigns.letters.compose import DistrictChoiceNeeded, LetterError, recipients, send_letter
from campaigns.models import (
    Directory,
    LetterSettings,
    Message,
    Organization,
    PostcodeDistrict,
    Submission,
    Target,
)
from campaigns.submissions.signing import Signer
from tests.factories import make_campaign, make_letter, make_organization

DATA = Path(__file__).parent.parent / "data"
LEGISLATORS = DATA / "legislators-slice.csv"
ZCCD = DATA / "zccd-slice.csv"
DESK = ("Campaign desk", "Staff", "desk@union.example")


def make_directory(organization=None, name="US Congress") -> Directory:
    organization = organization or make_organization()
    directory = Directory(organization_id=organization.id, name=name)
    db.session.add(directory)
    db.session.commit()
    return directory


def congress(organization=None) -> Directory:
    directory = make_directory(organization)
    import_legislators(directory, LEGISLATORS)
    import_zccd(directory, ZCCD)
    return directory


def targets_of(directory: Directory) -> dict[str, Target]:
    return {
        t.external_id or t.name: t
        for t in db.session.scalars(select(Target).where(Target.directory_id == directory.id))
    }


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def csv_text(text: str) -> io.StringIO:
    return io.StringIO(text, newline="")


def errors_of(excinfo) -> list[str]:
    return [str(e) for e in excinfo.value.errors]


def legislators_csv(*rows: dict) -> io.StringIO:
    """A file in the legislators-current.csv layout with just `rows`."""
    with LEGISLATORS.open(encoding="utf-8", newline="") as f:
        columns = next(csv.reader(f))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, columns, restval="")
    writer.writeheader()
    writer.writerows(rows)
    out.seek(0)
    return out


# Imports


@pytest.mark.both_databases
def test_legislators_import_without_email_with_titles_and_districts(app):
    """Organizers can import Congress: titles, districts, phones and forms, and no email."""
    with app.app_context():
        directory = make_directory()
        result = import_legislators(directory, LEGISLATORS)
        assert (result.created, result.updated, result.unchanged) == (13, 0, 0)
        members = targets_of(directory)
        sanders = members["S000033"]
        assert (sanders.name, sanders.title, sanders.district) == (
            "Bernard Sanders",
            "Senator",
            "VT",
        )
        assert sanders.phone == "202-224-5141"
        assert sanders.contact_url == "https://www.sanders.senate.gov/contact/"
        assert members["S001150"].contact_url == "https://www.schiff.senate.gov"  # no form
        assert (members["B001318"].title, members["B001318"].district) == (
            "Representative",
            "VT-0",
        )
        assert members["S001231"].district == "CA-12"
        assert all(m.email is None for m in members.values())
        assert all(m.organization_id == directory.organization_id for m in members.values())


@pytest.mark.both_databases
def test_reimporting_legislators_updates_and_keeps_an_organizers_email(app, tmp_path):
    """Importing Congress again changes what changed, adds no copies, keeps emails added by hand."""
    with app.app_context():
        directory = make_directory()
        import_legislators(directory, LEGISLATORS)
        again = import_legislators(directory, LEGISLATORS)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 13)
        targets_of(directory)["S001231"].email = "staffer@simon.example"
        db.session.commit()
        changed = tmp_path / "legislators.csv"
        changed.write_text(
            LEGISLATORS.read_text(encoding="utf-8").replace("202-225-2661", "202-225-0000"),
            encoding="utf-8",
        )
        result = import_legislators(directory, changed)
        assert (result.created, result.updated, result.unchanged) == (0, 1, 12)
        simon = targets_of(directory)["S001231"]
        assert (simon.phone, simon.email) == ("202-225-0000", "staffer@simon.example")
        assert count(Target) == 13


def test_legislators_import_copes_with_gaps_in_the_source(app):
    """Congress imports despite the source's gaps: a name in parts, a mistyped contact form."""
    with app.app_context():
        directory = make_directory()
        gaps = legislators_csv(
            {
                "last_name": "Fine",
                "first_name": "Randall",
                "full_name": "Randy Fine",
                "type": "rep",
                "state": "FL",
                "district": "6",
                "url": "https://fine.house.gov",
                "contact_form": "hhttps://fine.house.gov/contact/email-me",
                "bioguide_id": "F000484",
            },
            {
                "last_name": "Gallagher",
                "first_name": "James",
                "type": "rep",
                "state": "CA",
                "district": "1",
                "bioguide_id": "G000607",
            },
        )
        assert import_legislators(directory, gaps).created == 2
        members = targets_of(directory)
        assert (members["F000484"].contact_url, members["F000484"].district) == (
            "https://fine.house.gov",
            "FL-6",
        )
        gallagher = members["G000607"]
        assert (gallagher.name, gallagher.contact_url, gallagher.phone) == (
            "James Gallagher",
            "",
            "",
        )


@pytest.mark.both_databases
def test_zccd_import_keeps_leading_zeros_and_spans_state_lines(app):
    """Organizers can import the zip → district table; a re-import adds nothing twice."""
    with app.app_context():
        directory = make_directory()
        result = import_zccd(directory, ZCCD)
        assert (result.created, result.updated, result.unchanged) == (33, 0, 0)
        rows = set(db.session.execute(select(PostcodeDistrict.postcode, PostcodeDistrict.district)))
        assert ("05401", "VT-0") in rows
        assert ("00601", "PR-0") in rows
        assert {d for p, d in rows if p == "30165"} == {"AL-3", "GA-14"}
        assert {d for p, d in rows if p == "94619"} == {"CA-10", "CA-12", "CA-14"}
        again = import_zccd(directory, ZCCD)
        assert (again.created, again.unchanged) == (0, 33)
        assert count(PostcodeDistrict) == 33


@pytest.mark.both_databases
def test_generic_targets_import_with_bom_blank_lines_and_optional_columns(app):
    """Organizers can import their own targets; a re-import matches by id, else name."""
    with app.app_context():
        directory = make_directory(name="County board")
        first = (
            "\ufeffName,Title,Email,District,Phone,External_ID\n"
            "Ada Lovelace,Supervisor,Ada@County.EXAMPLE,D-1,555-0101,sup-1\n"
            "Ben Okri,Supervisor,,D-2,,\n"
            "\n\n"
        )
        result = import_targets(directory, csv_text(first))
        assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
        board = targets_of(directory)
        assert board["sup-1"].email == "Ada@county.example"
        assert board["sup-1"].phone == "555-0101"
        assert board["Ben Okri"].email is None
        assert board["Ben Okri"].contact_url == ""
        second = (
            "name,title,email,district,contact_url,external_id\n"
            "Ada King,Chair,ada@county.example,D-1,https://county.example/ada,sup-1\n"
            "Ben Okri,Supervisor,ben@county.example,D-2,,\n"
            "Cy Twombly,Supervisor,cy@county.example,D-3,,\n"
        )
        result = import_targets(directory, csv_text(second))
        assert (result.created, result.updated, result.unchanged) == (1, 2, 0)
        board = targets_of(directory)
        assert (board["sup-1"].name, board["sup-1"].title) == ("Ada King", "Chair")
        assert board["sup-1"].contact_url == "https://county.example/ada"
        assert board["sup-1"].phone == "555-0101"  # no phone column: left as it was
        assert board["Ben Okri"].email == "ben@county.example"
        assert count(Target) == 3


@pytest.mark.both_databases
def test_generic_postcodes_import_normalizes_postcodes(app):
    """Organizers can import any postcode table; codes are stored as supporters' are read."""
    with app.app_context():
        directory = make_directory(name="Wards")
        text = "postcode,district\n94612-1234,W-1\nsw1a  1aa,W-2\n94612,W-1\n"
        result = import_postcodes(directory, csv_text(text))
        assert (result.created, result.unchanged) == (2, 1)  # 94612-1234 is 94612
        assert lookup(directory.id, "SW1A 1AA").keys == ["W-2"]
        assert lookup(directory.id, "94612").keys == ["W-1"]


@pytest.mark.both_databases
def test_a_bad_row_is_reported_by_line_and_column_and_nothing_changes(app):
    """Organizers see every bad row by line and column, and a bad file changes nothing."""
    with app.app_context():
        directory = make_directory(name="County board")
        import_targets(
            directory, csv_text("name,title,email,district\nAda,Supervisor,ada@c.example,D-1\n")
        )
        bad = (
            "name,title,email,district\n"
            "Ada,Chair,ada@c.example,D-1\n"
            "Ben,Supervisor,ben@,D-2\n"
            ",Supervisor,cy@c.example,D-3\n"
            "Di,Supervisor,di@c.example,\n"
            "Ada,Chair,ada@c.example,D-1\n"
        )
        with pytest.raises(ImportErrors) as excinfo:
            import_targets(directory, csv_text(bad))
        errors = excinfo.value.errors
        assert [(e.line, e.column) for e in errors] == [
            (3, "email"),
            (4, "name"),
            (5, "district"),
            (6, "name"),
        ]
        assert str(errors[0]).startswith("line 3, column email: not a valid email address")
        assert str(errors[1]) == "line 4, column name: must not be empty"
        assert str(errors[3]) == "line 6, column name: 'Ada' is already on line 2"
        [ada] = targets_of(directory).values()
        assert (ada.title, count(Target)) == ("Supervisor", 1)  # line 2's change not applied


@pytest.mark.both_databases
def test_missing_columns_are_named_on_line_one(app):
    """A file without the needed columns is refused with one error naming them."""
    with app.app_context():
        directory = make_directory()
        with pytest.raises(ImportErrors) as excinfo:
            import_targets(directory, csv_text("name,title\nAda,Chair\n"))
        assert errors_of(excinfo) == ["line 1: missing columns: email, district"]
        with pytest.raises(ImportErrors) as excinfo:
            import_zccd(directory, csv_text("zip,cd\n94612,12\n"))
        assert errors_of(excinfo) == ["line 1: missing columns: state_abbr, zcta"]
        assert count(Target) == count(PostcodeDistrict) == 0


@pytest.mark.both_databases
def test_bad_us_rows_are_refused(app):
    """Congress files with bad rows are refused with the row and column, and nothing is kept."""
    with app.app_context():
        directory = make_directory()
        zccd = (
            "state_fips,state_abbr,zcta,cd\n"
            "50,VT,5401,0\n"
            "06,CA,94612,twelve\n"
            "06,California,94612,12\n"
        )
        with pytest.raises(ImportErrors) as excinfo:
            import_zccd(directory, csv_text(zccd))
        assert errors_of(excinfo) == [
            "line 2, column zcta: not a five-digit ZIP code: '5401' (were leading zeros lost?)",
            "line 3, column cd: not a district number: 'twelve'",
            "line 4, column state_abbr: not a two-letter state code: 'California'",
        ]
        legislators = legislators_csv(
            {"last_name": "Doe", "type": "gov", "state": "CA", "bioguide_id": "D0"},
            {"last_name": "Roe", "type": "rep", "state": "CA", "district": "at-large"},
            {"last_name": "Poe", "type": "sen", "state": "CA", "url": "javascript:alert(1)"},
        )
        with pytest.raises(ImportErrors) as excinfo:
            import_legislators(directory, legislators)
        assert errors_of(excinfo) == [
            "line 2, column type: must be sen or rep, not 'gov'",
            "line 3, column district: not a district number: 'at-large'",
            "line 3, column bioguide_id: must not be empty",
            "line 4, column bioguide_id: must not be empty",
            "line 4, column url: not a web address starting with http:// or https://",
        ]
        assert count(Target) == count(PostcodeDistrict) == 0


def test_errors_are_capped(app):
    """A wholly wrong file lists the first hundred errors, not thousands."""
    with app.app_context():
        directory = make_directory()
        text = "postcode,district\n" + "not a zip!,W-1\n" * 500
        with pytest.raises(ImportErrors) as excinfo:
            import_postcodes(directory, csv_text(text))
        assert len(excinfo.value.errors) == MAX_ERRORS
        assert excinfo.value.truncated
        assert "only the first 100 are listed" in str(excinfo.value)
        assert errors_of(excinfo)[0] == "line 2, column postcode: not a valid postcode"


# Lookup


@pytest.mark.parametrize(
    "typed, normal",
    [
        ("94612", "94612"),
        (" 94612-1234 ", "94612"),
        ("94612 1234", "94612"),
        ("946121234", "94612"),
        ("05401", "05401"),
        ("sw1a  1aa", "SW1A 1AA"),
        ("k1a 0b6", "K1A 0B6"),
        ("1012 ab", "1012 AB"),
        ("2000", "2000"),
        ("94612-12", None),
        ("94612A", None),
        ("946123", None),
        ("94612-12345", None),
        ("ABCDE", None),
        ("946#12", None),
        ("", None),
        ("   ", None),
    ],
)
def test_normalize_postcode(typed, normal):
    """Supporters may type a ZIP+4 or odd spacing; what is not a postcode is recognised."""
    assert normalize_postcode(typed) == normal


def names(district) -> list[str]:
    return [t.name for t in district.targets]


@pytest.mark.both_databases
def test_lookup_one_district(app):
    """A zip in one district finds its representative and the state's two senators."""
    with app.app_context():
        directory = congress()
        found = lookup(directory.id, "94612-1234")
        assert (found.status, found.postcode, found.keys) == (LookupStatus.one, "94612", ["CA-12"])
        assert names(found.districts[0]) == ["Lateefah Simon", "Adam B. Schiff", "Alex Padilla"]
        at_large = lookup(directory.id, "05401")
        assert at_large.keys == ["VT-0"]
        assert names(at_large.districts[0]) == ["Becca Balint", "Bernard Sanders", "Peter Welch"]


@pytest.mark.both_databases
def test_lookup_several_districts(app):
    """A zip in several districts offers each, across state lines too, with its own senators."""
    with app.app_context():
        directory = congress()
        found = lookup(directory.id, "94619")
        assert found.status == LookupStatus.several
        assert found.keys == ["CA-10", "CA-12", "CA-14"]
        assert names(found.districts[0])[0] == "Mark DeSaulnier"
        assert names(found.districts[2]) == ["Adam B. Schiff", "Alex Padilla"]  # seat vacant
        across = lookup(directory.id, "30165")
        assert across.keys == ["AL-3", "GA-14"]
        assert names(across.districts[0]) == ["Mike Rogers", "Katie Boyd Britt", "Tommy Tuberville"]
        assert names(across.districts[1]) == ["Clay Fuller", "Jon Ossoff", "Raphael G. Warnock"]


@pytest.mark.both_databases
def test_lookup_unknown_and_malformed_postcodes(app):
    """An unknown zip and a mistyped one are told apart, so the page can say which."""
    with app.app_context():
        directory = congress()
        unknown = lookup(directory.id, "10001")
        assert (unknown.status, unknown.postcode, unknown.districts) == (
            LookupStatus.unknown,
            "10001",
            [],
        )
        malformed = lookup(directory.id, "94612-ABCD")
        assert (malformed.status, malformed.postcode) == (LookupStatus.malformed, None)
        other = lookup(make_directory().id, "94612")  # another directory knows nothing
        assert other.status == LookupStatus.unknown


# Letters


def ana(postcode: str = "94619", **overrides) -> Signer:
    values = {"first_name": "Ana", "last_name": "Ruiz", "email": "ana@example.org"}
    values.update(overrides)
    return Signer(postcode=postcode, **values)


def letter_to(directory: Directory, write_to_all: bool = False, **overrides):
    organization = db.session.get(Organization, directory.organization_id)
    action = make_letter(make_campaign(organization), **overrides)
    settings = db.session.get(LetterSettings, action.id)
    settings.directory_id = directory.id
    settings.write_to_all_districts = write_to_all
    db.session.commit()
    return action


def with_emails(directory: Directory, *external_ids: str) -> None:
    """As an organizer supplying staffers' addresses for some members of Congress."""
    members = targets_of(directory)
    for external_id in external_ids:
        members[external_id].email = f"{external_id.lower()}@staff.example"
    db.session.commit()


SIMON, DESAULNIER, PADILLA, SCHIFF = "S001231", "D000623", "P000145", "S001150"


def emails(targets) -> list[str]:
    return [t.email for t in targets]


def test_supporter_chooses_a_district(app):
    """A supporter in a zip with several districts writes to the one they chose, plus senators."""
    with app.app_context():
        directory = congress()
        with_emails(directory, SIMON, DESAULNIER, PADILLA, SCHIFF)
        action = letter_to(directory, targets=[("Pat Boss", "CEO", "ceo@acme.example")])
        assert emails(recipients(action, "94619", ["CA-12"])) == [
            "ceo@acme.example",
            "s001231@staff.example",
            "s001150@staff.example",
            "p000145@staff.example",
        ]
        with pytest.raises(LetterError, match="94619 is not in CA-99; it is in CA-10, CA-12"):
            recipients(action, "94619", ["CA-99"])


def test_write_to_all_districts_names_each_senator_once(app):
    """Where the organizer writes to all districts, each senator still gets one letter."""
    with app.app_context():
        directory = congress()
        with_emails(directory, SIMON, DESAULNIER, PADILLA, SCHIFF)
        action = letter_to(directory, write_to_all=True)
        send_letter(action, ana("94619"))
        assert sorted(db.session.scalars(select(Message.to_email))) == [
            "d000623@staff.example",
            "p000145@staff.example",
            "s001150@staff.example",
            "s001231@staff.example",
        ]


def test_a_choice_is_required_when_it_changes_the_recipients(app):
    """Without a choice of district the supporter is asked for one, and nothing is stored."""
    with app.app_context():
        directory = congress()
        with_emails(directory, SIMON, DESAULNIER)
        action = letter_to(directory, fallback=DESK)
        with pytest.raises(DistrictChoiceNeeded) as excinfo:
            send_letter(action, ana("94619"))
        assert str(excinfo.value) == (
            "postcode 94619 lies in several districts (CA-10, CA-12, CA-14); "
            "choose the one you live in"
        )
        assert [d.key for d in excinfo.value.districts] == ["CA-10", "CA-12", "CA-14"]
        assert count(Submission) == count(Message) == 0
        send_letter(action, ana("94619"), districts=["CA-10"])
        assert list(db.session.scalars(select(Message.to_email))) == ["d000623@staff.example"]
        one = ana("94612", email="bo@example.org")  # one district: no question
        send_letter(action, one)
        assert db.session.scalars(select(Message.to_email).order_by(Message.id)).all()[-1] == (
            "s001231@staff.example"
        )


def test_no_choice_is_asked_when_it_changes_nothing(app):
    """When only the senators can be emailed, the district does not matter and is not asked."""
    with app.app_context():
        directory = congress()
        with_emails(directory, PADILLA, SCHIFF)
        action = letter_to(directory)
        assert emails(recipients(action, "94619")) == [
            "s001150@staff.example",
            "p000145@staff.example",
        ]


def test_congress_without_emails_uses_the_fallback(app):
    """Members of Congress publish no email, so the letter goes to the organizer's fallback."""
    with app.app_context():
        directory = congress()
        action = letter_to(directory, fallback=DESK)
        send_letter(action, ana("94619"))
        send_letter(action, ana("30165", email="cy@example.org"), districts=["GA-14"])
        send_letter(action, ana("10001", email="di@example.org"))  # zip unknown
        assert list(db.session.scalars(select(Message.to_email))) == ["desk@union.example"] * 3
        message = db.session.scalars(select(Message)).first()
        assert message.to_name == "Campaign desk"


def test_letters_without_a_directory_are_unchanged(app):
    """Letters that look nobody up go to their fixed targets whatever the postcode."""
    with app.app_context():
        action = make_letter(targets=[("Pat Boss", "CEO", "ceo@acme.example")])
        assert emails(recipients(action)) == ["ceo@acme.example"]
        assert emails(recipients(action, "94619")) == ["ceo@acme.example"]


# Command line


def test_cli_imports_congress(app, runner):
    """`campaigns import-targets` and `import-postcodes` fill a directory made on first use."""
    with app.app_context():
        make_organization(slug="local-42")
    result = runner.invoke(
        args=[
            "import-targets",
            "local-42",
            "US Congress",
            str(LEGISLATORS),
            "--format",
            "legislators",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "US Congress: 13 created, 0 updated, 0 unchanged." in result.output
    result = runner.invoke(
        args=["import-postcodes", "local-42", "US Congress", str(ZCCD), "--format", "zccd"]
    )
    assert result.exit_code == 0, result.output
    assert "US Congress: 33 created, 0 updated, 0 unchanged." in result.output
    again = runner.invoke(
        args=["import-postcodes", "local-42", "US Congress", str(ZCCD), "--format", "zccd"]
    )
    assert "0 created, 0 updated, 33 unchanged." in again.output
    with app.app_context():
        directory = db.session.scalars(select(Directory)).one()
        assert lookup(directory.id, "94612").keys == ["CA-12"]


def test_cli_refuses_a_bad_file(app, runner, tmp_path):
    """A bad file is refused with each error listed, a failing exit, and no directory made."""
    with app.app_context():
        make_organization(slug="local-42")
    bad = tmp_path / "board.csv"
    bad.write_text("name,title,email,district\nAda,Chair,not-an-address,D-1\n,Chair,,D-2\n")
    result = runner.invoke(args=["import-targets", "local-42", "Board", str(bad)])
    assert result.exit_code == 1
    assert "line 2, column email: not a valid email address" in result.output
    assert "line 3, column name: must not be empty" in result.output
    assert "nothing was imported: 2 errors" in result.output
    unknown = runner.invoke(args=["import-postcodes", "local-99", "Board", str(bad)])
    assert unknown.exit_code != 0
    assert "no organization has the slug 'local-99'" in unknown.output
    with app.app_context():
        assert count(Directory) == count(Target) == 0


def test_cli_help(runner):
    """Each import command explains itself in --help."""
    for command in ("import-targets", "import-postcodes"):
        result = runner.invoke(args=[command, "--help"])
        assert result.exit_code == 0
        assert "ORG_SLUG" in result.output and "changes nothing" in result.output
