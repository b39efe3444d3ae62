# bash completion for nixvirt, virtdeclare and virtpurge.
# Installed as share/bash-completion/completions/{nixvirt,virtdeclare,virtpurge}.

# The options of each subcommand (keep in step with its --help; t_cli checks).
_nixvirt_opts() {
    case $1 in
        apply) echo "-h --help -v --verbose --dry-run --json --wait --timeout --state-dir --connect" ;;
        declare) echo "-h --help -v --verbose --json --wait --timeout --connect --type --define --uuid --name --state --restart --auto --shutdown-timeout" ;;
        purge) echo "-h --help -v --verbose --json --wait --timeout --connect --type --keep" ;;
        version) echo "-h --help -c --connect --wait --timeout" ;;
        import) echo "-h --help --wait --timeout --connect --type --lenient -o --output" ;;
        xml2nix) echo "-h --help --type --lenient" ;;
    esac
}

_nixvirt_complete_sub() {
    local sub=$1 cur=$2 prev=$3
    case $prev in
        --type)
            if [ "$sub" = xml2nix ]; then
                mapfile -t COMPREPLY < <(compgen -W "domain network pool volume" -- "$cur")
            else
                mapfile -t COMPREPLY < <(compgen -W "domain network pool" -- "$cur")
            fi
            return ;;
        --state) mapfile -t COMPREPLY < <(compgen -W "active inactive" -- "$cur"); return ;;
        --restart) mapfile -t COMPREPLY < <(compgen -W "always never ifchanged" -- "$cur"); return ;;
        --connect | -c)
            mapfile -t COMPREPLY < <(compgen -W "qemu:///system qemu:///session lxc:///system qemu+ssh:// qemu+unix:///system?socket= qemu+ext:///system?command=" -- "$cur")
            return ;;
        --state-dir) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
        --define | --keep | -o | --output) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
        --wait | --timeout | --shutdown-timeout | --uuid | --name) COMPREPLY=(); return ;;
    esac
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_nixvirt_opts "$sub")" -- "$cur")
    elif [ "$sub" = apply ] || [ "$sub" = xml2nix ]; then
        mapfile -t COMPREPLY < <(compgen -f -- "$cur") # MANIFEST, FILE
    fi
}

_nixvirt() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    case ${1##*/} in
        virtdeclare) _nixvirt_complete_sub declare "$cur" "$prev"; return ;;
        virtpurge) _nixvirt_complete_sub purge "$cur" "$prev"; return ;;
    esac
    if [ "$COMP_CWORD" -eq 1 ]; then
        mapfile -t COMPREPLY < <(compgen -W "apply declare purge version import xml2nix help --help --version" -- "$cur")
        return
    fi
    _nixvirt_complete_sub "${COMP_WORDS[1]}" "$cur" "$prev"
}

complete -F _nixvirt -o filenames nixvirt virtdeclare virtpurge
