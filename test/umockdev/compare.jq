# jq -n --slurpfile daxpin D --slurpfile ndctl N --slurpfile daxctl X -f compare.jq
# Compares `daxpin list --json` with `ndctl list -RNi` and `daxctl list -RDMi`
# of the same system: every fact both report must be equal. Prints one line
# per difference; nothing when they agree.

def zero_uuid: if . == "00000000-0000-0000-0000-000000000000" then null else . end;

def ndctl_regions: [.. | objects | select(has("namespaces") and has("dev"))];

def region_facts: {dev, size, align, available_size, type, state};

def ns_facts: {dev, mode, map, size, uuid: (.uuid | zero_uuid), sector_size,
	       align, blockdev, chardev, state};

# daxctl's mappings in pages are daxpin's pfn_ranges
def dev_facts: {chardev, size, target_node, align, mode, state,
		pfn_ranges: (.pfn_ranges // [.mappings[]? | {pfn: (.start / 4096),
							      count: (.size / 4096)}])};

def diff($what; $a; $b):
	($a | map({key: (.dev // .chardev), value: .}) | from_entries) as $l
	| ($b | map({key: (.dev // .chardev), value: .}) | from_entries) as $r
	| (($l | keys) + ($r | keys) | unique)[] as $k
	| select($l[$k] != $r[$k])
	| "\($what) \($k): ndctl/daxctl \($l[$k] | tojson) daxpin \($r[$k] | tojson)";

$daxpin[0] as $daxpin | $ndctl[0] as $ndctl | $daxctl[0] as $daxctl |
diff("region";
     [$ndctl | ndctl_regions[] | region_facts];
     [$daxpin.regions[] | region_facts]),
diff("namespace";
     [$ndctl | ndctl_regions[] | .namespaces[] | select(.size > 0) | ns_facts];
     [$daxpin.regions[].namespaces[] | ns_facts]),
diff("device";
     [$daxctl | .. | objects | select(has("chardev") and .size > 0) | dev_facts];
     [($daxpin.regions[].namespaces[].daxregion.devices // [])[],
      $daxpin.dax_regions[].devices[] | dev_facts])
