/*
 * completions.c - `hf completions bash|zsh`: shell completion scripts
 * written from the parser's own tables (the verb table of main.c and the
 * option tables of options.c), so a new option completes as soon as it
 * parses.  Verbs without an option table complete --help and file names.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "options.h"

/* `hf significance` is `hf cls --test-stat q0`: these cls options are
 * refused there and so not offered. */
static int cls_only(const char *name)
{
    static const char *const not_q0[] = {"test-stat", "test-poi",
                                         "upper-limit", "scan", "cl",
                                         "explain", "explain-pars",
                                         "asimov-out"};
    for (size_t i = 0; i < sizeof not_q0 / sizeof not_q0[0]; i++)
        if (!strcmp(name, not_q0[i]))
            return 1;
    return 0;
}

/* The commands of options.c's table a verb takes (0: none). */
static unsigned table(const char *verb)
{
    if (!strcmp(verb, "cls") || !strcmp(verb, "significance"))
        return HF_CLI_CLS | HF_CLI_GRID;
    if (!strcmp(verb, "fit"))
        return HF_CLI_FIT;
    return 0;
}

static int offered(const char *verb, const hf_cli_option *o)
{
    return (o->cmds & table(verb)) &&
           (strcmp(verb, "significance") || !cls_only(o->name));
}

/* bash: per verb, the options, then the values of those that have some */
static void bash_verb(FILE *f, const char *verb)
{
    const hf_cli_option *t = hfcli_options;
    fprintf(f, "    %s)\n        case \"$prev\" in\n", verb);
    for (const hf_cli_option *o = t; o->name; o++) {
        if (!o->values || !offered(verb, o))
            continue;
        if (!strcmp(o->values, "FILE"))
            fprintf(f, "        --%s) COMPREPLY=($(compgen -f -- \"$cur\")); "
                       "return;;\n", o->name);
        else
            fprintf(f, "        --%s) COMPREPLY=($(compgen -W \"%s\" -- "
                       "\"$cur\")); return;;\n", o->name, o->values);
    }
    fprintf(f, "        esac\n        opts=\"");
    const char *sep = "";
    for (const hf_cli_option *o = t; o->name; o++)
        if (offered(verb, o)) {
            fprintf(f, "%s--%s", sep, o->name);
            sep = " ";
        }
    fprintf(f, "\";;\n");
}

/* The words offered first: every verb, each followed by a space. */
static void verb_words(FILE *f)
{
    for (int i = 0; hfcli_verb_name(i); i++)
        fprintf(f, "%s ", hfcli_verb_name(i));
}

/* Each verb's own completions, for the verbs with an option table. */
static void each_verb(FILE *f, void (*per_verb)(FILE *, const char *))
{
    for (int i = 0; hfcli_verb_name(i); i++)
        if (table(hfcli_verb_name(i)))
            per_verb(f, hfcli_verb_name(i));
}

static void bash(FILE *f)
{
    fprintf(f, "# bash completion for hf and hfcls (hf completions bash)\n"
               "_hf() {\n"
               "    local cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
               "    local prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
               "    local verb opts\n"
               "    if [ \"${COMP_WORDS[0]##*/}\" = hfcls ]; then\n"
               "        verb=cls\n"
               "    elif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
               "        COMPREPLY=($(compgen -W \"");
    verb_words(f);
    fprintf(f, "--help --version --cite\" -- \"$cur\"))\n"
               "        return\n"
               "    else\n"
               "        verb=\"${COMP_WORDS[1]}\"\n"
               "    fi\n"
               "    case \"$verb\" in\n"
               "    completions) COMPREPLY=($(compgen -W \"bash zsh\" -- "
               "\"$cur\")); return;;\n");
    each_verb(f, bash_verb);
    fprintf(f, "    *) opts=\"--help\";;\n"
               "    esac\n"
               "    if [[ \"$cur\" == -* ]]; then\n"
               "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
               "    else\n"
               "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
               "    fi\n"
               "}\n"
               "complete -o filenames -F _hf hf hfcls\n");
}

/* zsh: _arguments specs, one line per option */
static void zsh_verb(FILE *f, const char *verb)
{
    fprintf(f, "    %s)\n        _arguments -s \\\n", verb);
    for (const hf_cli_option *o = hfcli_options; o->name; o++) {
        if (!offered(verb, o))
            continue;
        if (!o->arg)
            fprintf(f, "            '--%s' \\\n", o->name);
        else if (o->values && !strcmp(o->values, "FILE"))
            fprintf(f, "            '--%s=:file:_files' \\\n", o->name);
        else if (o->values)
            fprintf(f, "            '--%s=:value:(%s)' \\\n", o->name,
                    o->values);
        else
            fprintf(f, "            '--%s=:value: ' \\\n", o->name);
    }
    fprintf(f, "            '*:file:_files'\n        ;;\n");
}

static void zsh(FILE *f)
{
    fprintf(f, "#compdef hf hfcls\n"
               "# zsh completion for hf and hfcls (hf completions zsh)\n"
               "_hf() {\n"
               "    local verb\n"
               "    if [[ $service == hfcls ]]; then\n"
               "        verb=cls\n"
               "    elif (( CURRENT == 2 )); then\n"
               "        compadd -- ");
    verb_words(f);
    fprintf(f, "--help --version --cite\n"
               "        return\n"
               "    else\n"
               "        verb=$words[2]\n"
               "        shift words\n"
               "        (( CURRENT-- ))\n"
               "    fi\n"
               "    case $verb in\n"
               "    completions) compadd bash zsh;;\n");
    each_verb(f, zsh_verb);
    fprintf(f, "    *) _arguments '--help' '*:file:_files';;\n"
               "    esac\n"
               "}\n"
               "compdef _hf hf hfcls\n");
}

static const char help[] =
    "usage: hf completions bash|zsh\n"
    "\n"
    "Prints a completion script for hf and hfcls, made from the option\n"
    "tables the command parses with.  For example:\n"
    "  hf completions bash > /etc/bash_completion.d/hf\n"
    "  source <(hf completions bash)          # this shell only\n"
    "  hf completions zsh > ~/.zfunc/_hf       # a directory in $fpath\n";

int hfcli_cmd_completions(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fputs(help, stdout);
        return HF_EXIT_OK;
    }
    if (argc != 2 || (strcmp(argv[1], "bash") && strcmp(argv[1], "zsh")))
        return hfcli_usage_error("give the shell: hf completions bash or "
                                  "hf completions zsh");
    if (!strcmp(argv[1], "bash"))
        bash(stdout);
    else
        zsh(stdout);
    return ferror(stdout) ? HF_EXIT_INPUT : HF_EXIT_OK;
}
