"""Targets' channels from the directory files: office codes from the legislators file, and
the `channel` column of a generic targets file."""

import io

import pytest
from sqlalchemy import select

from campaigns.directories.importing import ImportErrors, import_legislators, import_targets
from campaigns.extensions import db
from campaigns.models import Channel, Directory, Target
from tests.factories import make_congress_letter, make_organization


def test_members_of_congress_get_their_cwc_offices(app):
    with app.app_context():
        action = make_congress_letter()
        offices = dict(db.session.execute(select(Target.name, Target.office_code)).all())
        assert offices["Lateefah Simon"] == "HCA12"
        assert offices["Becca Balint"] == "HVT00"  # at large
        assert offices["Bernard Sanders"] == "SVT01" and offices["Peter Welch"] == "SVT03"
        assert offices["Alex Padilla"] == "SCA03"
        channels = {t.name: t.declared_channel for t in db.session.scalars(select(Target))}
        assert channels["Lateefah Simon"] == Channel.cwc_house
        assert channels["Alex Padilla"] == Channel.cwc_senate
        assert action.id


def test_a_bad_senate_class_is_reported_by_line(app):
    with app.app_context():
        directory = Directory(organization_id=make_organization().id, name="Congress")
        db.session.add(directory)
        db.session.commit()
        rows = (
            "last_name,first_name,type,state,district,senate_class,bioguide_id\n"
            "Sanders,Bernard,sen,VT,,4,S000033\n"
        )
        with pytest.raises(ImportErrors) as caught:
            import_legislators(directory, io.StringIO(rows))
        assert "line 2, column senate_class: must be 1, 2 or 3, not '4'" in [
            str(e) for e in caught.value.errors
        ]


def test_a_targets_file_chooses_each_targets_channel(app):
    with app.app_context():
        directory = Directory(organization_id=make_organization().id, name="Mixed")
        db.session.add(directory)
        db.session.commit()
        rows = (
            "name,title,email,district,channel,office_code\n"
            "Pat Boss,CEO,ceo@acme.example,1,,\n"
            "Rep. Ada,Representative,,CA-12,cwc_house,hca12\n"
            "Council desk,Clerk,clerk@city.example,1,none,\n"
        )
        import_targets(directory, io.StringIO(rows))
        found = {t.name: t for t in db.session.scalars(select(Target))}
        assert found["Pat Boss"].declared_channel == Channel.email
        assert (found["Rep. Ada"].declared_channel, found["Rep. Ada"].office_code) == (
            Channel.cwc_house,
            "HCA12",
        )
        # An organizer may keep a target off every channel although it has an address.
        assert found["Council desk"].declared_channel == Channel.none

        bad = "name,title,email,district,channel,office_code\nA,,,1,fax,\nB,,,1,cwc_senate,HCA12\n"
        with pytest.raises(ImportErrors) as caught:
            import_targets(directory, io.StringIO(bad))
        text = "\n".join(str(e) for e in caught.value.errors)
        assert "line 2, column channel: must be one of email, cwc_house, cwc_senate, none" in text
        assert "line 3, column office_code: cwc_senate needs an office code like SCA03" in text
