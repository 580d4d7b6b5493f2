"""Shell completion scripts, derived from the parser so they never miss a command."""

from __future__ import annotations

import argparse


def _tree(parser: argparse.ArgumentParser) -> dict[str, list[str]]:
    """Words that may follow each command path ('' is the top), options included."""
    words: dict[str, list[str]] = {}

    def walk(node: argparse.ArgumentParser, path: str) -> None:
        found = [o for a in node._actions for o in a.option_strings if o.startswith("--")]
        for action in node._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    found.append(name)
                    walk(child, f"{path} {name}".strip())
        words[path] = found

    walk(parser, "")
    return words


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    cases = "\n".join(
        f'        "{path}") words="{" ".join(found)}" ;;'
        for path, found in sorted(_tree(parser).items())
    )
    body = f"""_kyrosctl() {{
    local cur path="" words i
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    for ((i = 1; i < COMP_CWORD; i++)); do
        [[ "${{COMP_WORDS[i]}}" == -* ]] && break
        path="${{path:+$path }}${{COMP_WORDS[i]}}"
    done
    case "$path" in
{cases}
        *) words="" ;;
    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -F _kyrosctl kyrosctl
"""
    return ("autoload -U +X bashcompinit && bashcompinit\n" + body) if shell == "zsh" else body
