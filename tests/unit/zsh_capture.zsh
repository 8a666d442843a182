# zsh -f zsh_capture.zsh FPATH_DIR 'COMMAND LINE' [FILE]: the completions zsh offers at the end of the
# command line, one per line (tests/unit/test_completion.py). It types into an interactive zsh in a
# pseudo-terminal (zsh/zpty): compinit with FPATH_DIR first in $fpath (or FILE sourced after
# compinit), a compadd that prints each match it adds, then the line and a Tab.
zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z "fpath=(${(q)1} \$fpath); PROMPT=; autoload -U compinit; compinit -u -D"
[[ -n $3 ]] && zpty -w z "source ${(q)3}"
zpty -w z 'zstyle ":completion:*" list-grouped false; zstyle ":completion:*" insert-tab false; bindkey "^I" complete-word'
# the markers are split in what is typed, so that the terminal's echo of it is not taken for output
zpty -w z '_capture_mark() { print -r -- "<<CAP""TURE>>" }; compprefuncs=(_capture_mark); comppostfuncs=(_capture_mark exit)'
zpty -w z 'compadd() { local -a hits; builtin compadd -A hits "$@"; builtin compadd "$@"; local h; for h in $hits; do print -r -- "<<H""IT>>$h"; done }'
zpty -w z "$2"$'\t'
local out line
float deadline=$(( SECONDS + 20 ))
while (( SECONDS < deadline )); do
    if zpty -r -t z line 2>/dev/null; then
        out+=$line
        [[ $out == *'<<CAPTURE>>'*'<<CAPTURE>>'* ]] && break
    else
        sleep 0.05
    fi
done
[[ $out == *'<<CAPTURE>>'*'<<CAPTURE>>'* ]] || { print -u2 -r -- "no completion finished: $out"; exit 2 }
print -r -- "$out" | tr -d '\r' | grep -o '<<HIT>>[^<]*' | sed 's/<<HIT>>//' | sort -u
