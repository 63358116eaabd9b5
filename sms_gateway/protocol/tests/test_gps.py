"""GPS, every form of protocol.md, the swap rule, the bounding box and the precision warning."""

from __future__ import annotations

import pytest

from .expected import Case, check, gps, gps_error, warning

LOW = warning("low_precision", "Position peu precise: 3 decimales attendues")
SWAPPED = warning("coordinates_swapped", "Latitude et longitude inversees, corrige")
DMS = (9.551111, 1.186111)  # 9°33'04"N 1°11'10"E

FORMS: list[Case] = [
    # decimal degrees, as protocol.md lists them
    ("GPS 9.5511 1.1862", gps(9.5511, 1.1862)),
    ("GPS 9,5511 1,1862", gps(9.5511, 1.1862)),
    ("GPS 9.5511,1.1862", gps(9.5511, 1.1862)),
    ("GPS N9.5511 E1.1862", gps(9.5511, 1.1862)),
    ("GPS 9.5511N 1.1862E", gps(9.5511, 1.1862)),
    # degrees-minutes-seconds, marked with symbols, with spaces, with d m s letters
    ("GPS 9°33'04\"N 1°11'10\"E", gps(*DMS)),
    ("GPS 9° 33' 04\" N 1° 11' 10\" E", gps(*DMS)),
    ("GPS 9d33m04sN 1d11m10sE", gps(*DMS)),
    ("GPS 9D 33M 04S N 1D 11M 10S E", gps(*DMS)),
    ("GPS N9°33'04\" E1°11'10\"", gps(*DMS)),
    ("GPS 9°33'04''N 1°11'10''E", gps(*DMS)),  # seconds as two quotes
    ("GPS 9º33′04″N 1º11′10″E", gps(*DMS)),  # ordinal sign, primes
    ("GPS 9°33’04”N 1°11’10”E", gps(*DMS)),  # curly quotes
    ("GPS 9°33'04\" 1°11'10\"", gps(*DMS)),  # no hemisphere letters
    ("GPS 9 33 04 N 1 11 10 E", gps(*DMS)),  # unmarked, closed by hemisphere letters
    ("GPS 9 33 04 1 11 10", gps(*DMS)),  # six whole numbers
    ("GPS 9°33.07'N 1°11.17'E", gps(9.551167, 1.186167)),  # degrees and decimal minutes
    ("GPS 9°33'04,5\"N 1°11'10,5\"E", gps(9.551250, 1.186250)),  # a decimal comma in the seconds
    # the command's aliases, case, glued keyword, other separators
    ("POS 9.5511 1.1862", gps(9.5511, 1.1862)),
    ("LOC 9.5511 1.1862", gps(9.5511, 1.1862)),
    ("gps n9.5511 e1.1862", gps(9.5511, 1.1862)),
    ("GPS9.5511 1.1862", gps(9.5511, 1.1862)),
    ("GPSN9.5511 E1.1862", gps(9.5511, 1.1862)),  # the keyword glued to a hemisphere letter
    ("GPS: 9.5511; 1.1862", gps(9.5511, 1.1862)),
    ("GPS 9,5511;1,1862", gps(9.5511, 1.1862)),
    ("GPS 9,5511,1,1862", gps(9.5511, 1.1862)),  # decimal commas, read greedily
    ("GPS 9.5511 NORD 1.1862 EST", gps(9.5511, 1.1862)),
    ("GPS 9.5511\u00a01.1862", gps(9.5511, 1.1862)),
    # signs and western longitudes (Togo reaches 0.2° west)
    ("GPS 9.5511 -0.1500", gps(9.5511, -0.15)),
    ("GPS 9.5511N 0.1500W", gps(9.5511, -0.15)),
    ("GPS 9.5511N 0.1500O", gps(9.5511, -0.15)),
    ("GPS 9.5511 0.1500 OUEST", gps(9.5511, -0.15)),
    ("GPS 9.5511-0.1500", gps(9.5511, -0.15)),
    # hemisphere letters say which is which: not a swap
    ("GPS 1.1862E 9.5511N", gps(9.5511, 1.1862)),
    ("GPS E1.1862 N9.5511", gps(9.5511, 1.1862)),
    # the bounding box is inclusive
    ("GPS 6.000 -0.200", gps(6.0, -0.2)),
    ("GPS 11.200 1.900", gps(11.2, 1.9)),
    # words after the coordinates are ignored, like a report's signature
    ("GPS 9.5511 1.1862 MERCI", gps(9.5511, 1.1862, warnings=[warning("signature_ignored", "'MERCI' ignore")])),
]

SWAPS: list[Case] = [
    ("GPS 1.1862 9.5511", gps(9.5511, 1.1862, swapped=True, warnings=[SWAPPED])),
    ("GPS 1,1862 9,5511", gps(9.5511, 1.1862, swapped=True, warnings=[SWAPPED])),
    ("GPS 1.1862N 9.5511E", gps(9.5511, 1.1862, swapped=True, warnings=[SWAPPED])),
    ("GPS 1.19 9.55", gps(9.55, 1.19, swapped=True, warnings=[SWAPPED, LOW])),
    # fits neither way round
    ("GPS 5.5000 1.2000", gps_error("outside_country", "Point 5.5 1.2 hors du Togo")),
    ("GPS 48.8566 2.3522", gps_error("outside_country", "Point 48.8566 2.3522 hors du Togo")),
    ("GPS 9.5511S 1.1862E", gps_error("outside_country", "Point -9.5511 1.1862 hors du Togo")),
    ("GPS 9.5511 -1.1862", gps_error("outside_country", "Point 9.5511 -1.1862 hors du Togo")),
    # just beyond each edge of the box
    ("GPS 11.2001 1.1862", gps_error("outside_country", "Point 11.2001 1.1862 hors du Togo")),
    ("GPS 5.9999 1.1862", gps_error("outside_country", "Point 5.9999 1.1862 hors du Togo")),
    ("GPS 9.5511 -0.2001", gps_error("outside_country", "Point 9.5511 -0.2001 hors du Togo")),
    ("GPS 9.5511 1.9001", gps_error("outside_country", "Point 9.5511 1.9001 hors du Togo")),
]

PRECISION: list[Case] = [
    ("GPS 9.551 1.186", gps(9.551, 1.186)),
    ("GPS 9.55 1.19", gps(9.55, 1.19, warnings=[LOW])),
    ("GPS 9.5511 1.19", gps(9.5511, 1.19, warnings=[LOW])),
    ("GPS 9 1", gps(9.0, 1.0, warnings=[LOW])),
    ("GPS 9°33'N 1°11'E", gps(9.55, 1.183333, warnings=[LOW])),  # whole minutes: about 1.8 km
    ("GPS 9°33.1'N 1°11.2'E", gps(9.551667, 1.186667, warnings=[LOW])),
    ("GPS 9 33 1 11", gps(9.55, 1.183333, warnings=[LOW])),
]

UNREADABLE: list[Case] = [
    ("GPS", gps_error("missing_argument", "Coordonnees manquantes")),
    ("GPS ,;", gps_error("missing_argument", "Coordonnees manquantes")),
    ("GPS 9.5511", gps_error("bad_coordinates", "Coordonnees '9.5511' illisibles")),
    ("GPS 9.5511 1.1862 3.2", gps_error("bad_coordinates", "Coordonnees '9.5511 1.1862 3.2' illisibles")),
    ("GPS 95511 11862", gps_error("bad_coordinates", "Coordonnees '95511 11862' illisibles")),
    ("GPS 9°75'N 1°11'E", gps_error("bad_coordinates", "Coordonnees '9d75'N 1d11'E' illisibles")),
    ("GPS 9.5'N 1.2'E", gps_error("bad_coordinates", "Coordonnees '9.5'N 1.2'E' illisibles")),
    ("GPS 9.5°33' 1°11'", gps_error("bad_coordinates", "Coordonnees '9.5d33' 1d11'' illisibles")),
    ("GPS N9.5511 N1.1862", gps_error("bad_coordinates", "Coordonnees 'N9.5511 N1.1862' illisibles")),
    ("GPS 9.5511 MERCI 1.1862", gps_error("bad_coordinates", "Coordonnees '9.5511 MERCI 1.1862' illisibles")),
    ("GPS ICI", gps_error("bad_coordinates", "Coordonnees 'ICI' illisibles")),
    ("GPS 9 33 04", gps_error("bad_coordinates", "Coordonnees '9 33 04' illisibles")),
    ("GPS N E", gps_error("bad_coordinates", "Coordonnees 'N E' illisibles")),
]

ALL_CASES = FORMS + SWAPS + PRECISION + UNREADABLE


@pytest.mark.parametrize(("text", "expected"), ALL_CASES, ids=[repr(text) for text, _ in ALL_CASES])
def test_gps_parses_to_the_canonical_json(text: str, expected: dict[str, object]) -> None:
    check(text, expected)


def test_a_typo_in_the_command_is_corrected_only_from_four_letters() -> None:
    check(
        "GSP 9.5511 1.1862",
        {
            "command": "invalid",
            "warnings": [],
            "errors": [{"code": "unknown_command", "message": "Commande 'GSP' inconnue"}],
        },
    )
