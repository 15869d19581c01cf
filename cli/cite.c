/*
 * cite.c - `hf --cite`: how to cite hf and the work it implements, as
 * `pyhf --cite` prints pyhf's BibTeX.  The pyhf entries are pyhf's own
 * (its CITATION.cff and citation.bib, v0.7.6, whose semantics hf
 * follows); HistFactory's is its CERN report, as pyhf's papers cite it;
 * the asymptotic formulae are those of every CLs and p0 hf prints.
 */
#include <stdio.h>

#include "cli.h"

static const char cite[] =
    "@software{hf,\n"
    "  author = {{The hf developers}},\n"
    "  title = \"{hf: a C implementation of the HistFactory JSON likelihoods "
    "with pyhf's semantics}\",\n"
    "  version = {" HF_VERSION "},\n"
    "  note = {Results follow pyhf v0.7.6; please also cite pyhf and "
    "HistFactory}\n"
    "}\n"
    "\n"
    "@software{pyhf,\n"
    "  author = {Lukas Heinrich and Matthew Feickert and Giordon Stark},\n"
    "  title = \"{pyhf: v0.7.6}\",\n"
    "  version = {0.7.6},\n"
    "  doi = {10.5281/zenodo.1169739},\n"
    "  url = {https://doi.org/10.5281/zenodo.1169739},\n"
    "  note = {https://github.com/scikit-hep/pyhf/releases/tag/v0.7.6}\n"
    "}\n"
    "\n"
    "@article{pyhf_joss,\n"
    "  doi = {10.21105/joss.02823},\n"
    "  url = {https://doi.org/10.21105/joss.02823},\n"
    "  year = {2021},\n"
    "  publisher = {The Open Journal},\n"
    "  volume = {6},\n"
    "  number = {58},\n"
    "  pages = {2823},\n"
    "  author = {Lukas Heinrich and Matthew Feickert and Giordon Stark and "
    "Kyle Cranmer},\n"
    "  title = {pyhf: pure-Python implementation of HistFactory statistical "
    "models},\n"
    "  journal = {Journal of Open Source Software}\n"
    "}\n"
    "\n"
    "@techreport{Cranmer:1456844,\n"
    "  author = \"Cranmer, Kyle and Lewis, George and Moneta, Lorenzo and "
    "Shibata, Akira and Verkerke, Wouter\",\n"
    "  title = \"{HistFactory: A tool for creating statistical models for "
    "use with RooFit and RooStats}\",\n"
    "  institution = \"New York U.\",\n"
    "  collaboration = \"ROOT Collaboration\",\n"
    "  address = \"New York\",\n"
    "  number = \"CERN-OPEN-2012-016\",\n"
    "  month = \"Jan\",\n"
    "  year = \"2012\",\n"
    "  reportNumber = \"CERN-OPEN-2012-016\",\n"
    "  url = \"https://cds.cern.ch/record/1456844\"\n"
    "}\n"
    "\n"
    "@article{Cowan:2010js,\n"
    "  author = {Cowan, Glen and Cranmer, Kyle and Gross, Eilam and Vitells, "
    "Ofer},\n"
    "  eprint = \"1007.1727\",\n"
    "  archivePrefix = {arXiv},\n"
    "  primaryClass = {physics.data-an},\n"
    "  journal = {Eur. Phys. J. C},\n"
    "  pages = {1554},\n"
    "  doi = \"10.1140/epjc/s10052-011-1554-0\",\n"
    "  title = {{Asymptotic formulae for likelihood-based tests of new "
    "physics}},\n"
    "  volume = {71},\n"
    "  year = {2011},\n"
    "  note = {Erratum: Eur. Phys. J. C 73 (2013) 2501}\n"
    "}\n";

int hfcli_cite(void)
{
    fputs(cite, stdout);
    return ferror(stdout) ? HF_EXIT_INPUT : HF_EXIT_OK;
}
