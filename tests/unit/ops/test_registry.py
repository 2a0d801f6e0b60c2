"""The registry lists each service once; every table that used to repeat it reads it."""

from __future__ import annotations

from caseflow.events.topics import TOPICS
from caseflow.ops import registry
from caseflow.ops.erase import ERASERS
from caseflow.runtime.settings import load_settings


def test_every_input_is_a_topic_of_the_catalogue() -> None:
    names = {topic.name for topic in TOPICS}
    for service in registry.SERVICES.values():
        assert set(service.inputs) <= names, service.name


def test_schemas_erasers_and_groups_come_from_the_one_list() -> None:
    consuming = {"intake", "dublin", "deadline", "metrics"}
    assert set(registry.schemas()) == consuming == set(ERASERS)
    assert all(
        folder.joinpath("001_" + "x").parent.is_dir() for folder in registry.schemas().values()
    )
    assert set(registry.pipeline_groups(load_settings())) == {
        f"caseflow-{name}" for name in consuming
    }
    assert set(registry.http_services()) == consuming


def test_intake_consumes_what_the_settings_name() -> None:
    settings = load_settings(intake_group="intake-t1", intake_topic="partner.events.t1")
    assert registry.SERVICES["intake"].consumer(settings) == ("intake-t1", ("partner.events.t1",))
    place = registry.place("intake", settings, schema="intake_t1")
    assert (place.group, place.topics, place.schema) == (
        "intake-t1",
        ("partner.events.t1",),
        "intake_t1",
    )
    assert registry.SERVICES["clock"].consumer(settings) is None
