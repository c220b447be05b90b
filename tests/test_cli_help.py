"""Every command and sub-command explains itself in --help, in plain text."""

import argparse

from exactid.cli.main import build_parser


def all_subparsers():
    found = []

    def walk(parser, prefix):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found.append((prefix + name, sub))
                    walk(sub, prefix + name + " ")

    walk(build_parser(), "")
    return found


def test_every_subcommand_has_a_plain_text_description():
    subs = all_subparsers()
    assert {"check", "rank", "certify two-layer", "certify butterfly", "equiv", "symmetries"} <= {n for n, _ in subs}
    for name, parser in subs:
        text = parser.format_help()
        assert parser.description and len(parser.description) > 15, f"{name}: no description"
        for marker in ("``", "DESIG" + "N", "\u00a7", ":func:", ":mod:"):
            assert marker not in text, f"{name} --help contains {marker!r}"
