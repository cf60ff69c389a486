"""benchutil - what the benchmarks print about the machine they ran on."""
import os
import platform


def machine():
    """Cores, CPU model, memory and kernel, as RESULTS.md records them."""
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({model}), {mem:.0f} GiB, "
            f"{platform.system()} {platform.release()}")
