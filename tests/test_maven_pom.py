"""Maven pom.xml: literal and property versions edited in place, ranges judged, DTDs refused."""

from __future__ import annotations

import pytest

from app.bumps.maven_pom import bump_pom, compare, in_range
from app.bumps.model import ManifestError, Outcome

POM = """<?xml version="1.0" encoding="UTF-8"?>
<!-- the service's pom: Grüße -->
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <modelVersion>4.0.0</modelVersion>
  <properties>
    <acme.version>1.3.0</acme.version> <!-- keep in step with the BOM -->
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>com.acme</groupId>
        <artifactId>managed</artifactId>
        <version>1.3.0</version>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>com.acme</groupId>
      <artifactId>literal</artifactId>
      <version> 1.3.0 </version>
      <exclusions><exclusion><groupId>com.acme</groupId><artifactId>x</artifactId></exclusion>
      </exclusions>
    </dependency>
    <dependency>
      <groupId>com.acme</groupId><artifactId>auth</artifactId><version>${acme.version}</version>
    </dependency>
    <dependency>
      <groupId>com.acme</groupId><artifactId>util</artifactId><version>${acme.version}</version>
    </dependency>
    <dependency>
      <groupId>com.acme</groupId><artifactId>parented</artifactId><version>${parent.v}</version>
    </dependency>
    <dependency>
      <groupId>com.acme</groupId><artifactId>ranged</artifactId><version>[1.2,2.0)</version>
    </dependency>
    <dependency><groupId>com.acme</groupId><artifactId>managed</artifactId></dependency>
    <dependency><groupId>com.acme</groupId><artifactId>bom</artifactId></dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <artifactId>maven-surefire-plugin</artifactId>
        <version>3.1.0</version>
      </plugin>
    </plugins>
  </build>
</project>
"""

CASES = [
    # artifact, version, outcome, before, after, (old, new) or None
    (
        "com.acme:literal",
        "1.4.0",
        Outcome.UPDATED,
        ("1.3.0",),
        ("1.4.0",),
        ("<version> 1.3.0 </version>", "<version> 1.4.0 </version>"),
    ),
    (
        "com.acme:managed",
        "1.4.0",
        Outcome.UPDATED,
        ("1.3.0",),
        ("1.4.0",),
        (
            "<artifactId>managed</artifactId>\n        <version>1.3.0",
            "<artifactId>managed</artifactId>\n        <version>1.4.0",
        ),
    ),
    (
        "com.acme:auth",
        "1.4.0",
        Outcome.UPDATED,
        ("1.3.0",),
        ("1.4.0",),
        ("<acme.version>1.3.0</acme.version>", "<acme.version>1.4.0</acme.version>"),
    ),
    (
        "org.apache.maven.plugins:maven-surefire-plugin",
        "3.2.5",
        Outcome.UPDATED,
        ("3.1.0",),
        ("3.2.5",),
        ("<version>3.1.0</version>", "<version>3.2.5</version>"),
    ),
    ("com.acme:literal", "1.3.0", Outcome.ALREADY, ("1.3.0",), ("1.3.0",), None),
    ("com.acme:literal", "1.3.0-SNAPSHOT", Outcome.ALREADY, ("1.3.0",), ("1.3.0",), None),
    ("com.acme:ranged", "1.4.0", Outcome.ALREADY, ("[1.2,2.0)",), ("[1.2,2.0)",), None),
    ("com.acme:ranged", "2.0.0", Outcome.REFUSED, ("[1.2,2.0)",), ("[1.2,2.0)",), None),
    ("com.acme:parented", "1.4.0", Outcome.REFUSED, ("${parent.v}",), ("${parent.v}",), None),
    ("com.acme:bom", "1.4.0", Outcome.REFUSED, (), (), None),
    ("com.acme:absent", "1.4.0", Outcome.NOT_USED, (), (), None),
    ("com.acme:x", "1.4.0", Outcome.NOT_USED, (), (), None),
]


@pytest.mark.parametrize(("artifact", "version", "outcome", "before", "after", "edit"), CASES)
def test_bump(artifact, version, outcome, before, after, edit):
    bump = bump_pom(POM, artifact, version)
    expected = POM.replace(*edit, 1) if edit else POM
    assert (bump.outcome, bump.before, bump.after) == (outcome, before, after)
    assert bump.text == expected


@pytest.mark.parametrize(
    ("version", "written", "inside"),
    [
        ("1.4.0", "[1.2,2.0)", True),
        ("2.0", "[1.2,2.0)", False),
        ("2.0", "[1.2,2.0]", True),
        ("1.2", "(1.2,2.0)", False),
        ("1.2", "[1.2]", True),
        ("9.0", "[1.5,)", True),
        ("0.9", "(,1.0]", True),
        ("1.1", "(,1.0],[1.2,)", False),
        ("1.3", "(,1.0],[1.2,)", True),
    ],
)
def test_in_range(version, written, inside):
    assert in_range(version, written) is inside


@pytest.mark.parametrize(
    ("left", "right", "order"),
    [("1.10", "1.9", 1), ("1.3", "1.3.0", 0), ("1.3.0-SNAPSHOT", "1.3.0", -1), ("2", "10", -1)],
)
def test_compare(left, right, order):
    assert compare(left, right) == order


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('<!DOCTYPE p [<!ENTITY x "1.3.0">]><project><version>&x;</version></project>', "DTD"),
        ("<project>\n<dependencies>\n</project>", "line 3"),
        ("", "line 1"),
    ],
)
def test_unreadable(text, message):
    with pytest.raises(ManifestError, match=message):
        bump_pom(text, "com.acme:literal", "1.4.0")


def test_large_file_is_linear():
    deps = "".join(
        f"<dependency><groupId>g</groupId><artifactId>a{i}</artifactId><version>1.0.{i}</version>"
        "</dependency>\n"
        for i in range(20000)
    )
    text = f"<project><dependencies>\n{deps}</dependencies></project>\n"
    bump = bump_pom(text, "g:a19999", "2.0.0")
    assert bump.text == text.replace(
        "a19999</artifactId><version>1.0.19999", "a19999</artifactId><version>2.0.0"
    )


@pytest.mark.parametrize(
    "version",
    [
        "<!-- pinned -->1.3.0",
        "1.3.0<!-- pinned -->",
        "1.3<!-- x -->.0",
        "<![CDATA[1.3.0]]>",
        "1.3.0&#x2D;SNAPSHOT",
    ],
)
def test_a_version_with_markup_inside_its_element_is_refused(version):
    text = (
        "<project><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId>"
        f"<version>{version}</version></dependency></dependencies></project>"
    )
    bump = bump_pom(text, "g:a", "1.4.0")
    assert (bump.outcome, bump.text) == (Outcome.REFUSED, text)
    assert bump.note == "the version of g:a has markup inside its element; edit it by hand"


def test_a_property_with_a_comment_beside_it_is_still_edited():
    text = (
        "<project><properties><v>1.3.0</v><!-- keep --></properties><dependencies><dependency>"
        "<groupId>g</groupId><artifactId>a</artifactId><version>${v}</version></dependency>"
        "</dependencies></project>"
    )
    bump = bump_pom(text, "g:a", "1.4.0")
    assert (bump.outcome, bump.text) == (Outcome.UPDATED, text.replace("1.3.0", "1.4.0"))
