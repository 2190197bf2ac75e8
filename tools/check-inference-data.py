#!/usr/bin/env python3
"""Reads an InferenceData netCDF file the library wrote (Inference.ArviZ) the way arviz.from_netcdf does -- every
group with xarray on the netCDF4 engine -- checks the groups, variable names, dimensions and dtypes ArviZ expects, and
compares every value with the Stan-CSV files of the same run (round-trip doubles, so equality is exact).
Usage: python3 tools/check-inference-data.py RUN.nc CSV_DIR   (CSV_DIR holds output_1.csv ...; Debian's
python3-xarray and python3-netcdf4). Prints one JSON line; exits 1 on any mismatch."""
import glob
import json
import os
import sys

import netCDF4
import numpy as np
import xarray as xr

STATS = {"lp__": "lp", "accept_stat__": "acceptance_rate", "stepsize__": "step_size", "treedepth__": "tree_depth",
         "n_leapfrog__": "n_steps", "divergent__": "diverging", "energy__": "energy"}


def main(path, csv_dir):
    errors = []
    with netCDF4.Dataset(path) as nc:
        groups = sorted(nc.groups)
    for g in ("posterior", "sample_stats"):
        if g not in groups:
            errors.append(f"group {g} missing")
    data = {g: xr.open_dataset(path, group=g, engine="netcdf4") for g in groups}
    for g, ds in data.items():
        for name, var in ds.data_vars.items():
            if g != "observed_data" and var.dims[:2] != ("chain", "draw"):
                errors.append(f"{g}/{name} has dims {var.dims}, not (chain, draw, ...)")
        for dim in ("chain", "draw"):
            if g != "observed_data" and dim in ds.dims and not np.array_equal(ds[dim].values, np.arange(ds.dims[dim])):
                errors.append(f"{g}: coordinate {dim} is not 0 ... n - 1")
    stats = data.get("sample_stats")
    if stats is not None:
        missing = sorted(set(STATS.values()) - set(stats.data_vars))
        if missing:
            errors.append(f"sample_stats lacks {missing}")
        elif stats["diverging"].dtype != bool:
            errors.append(f"diverging has dtype {stats['diverging'].dtype}, not bool")
    compared = 0
    files = sorted(glob.glob(os.path.join(csv_dir, "output_*.csv")), key=lambda f: int(f.rsplit("_", 1)[1].split(".")[0]))
    for chain, f in enumerate(files):
        with open(f) as handle:
            lines = [line.rstrip("\n") for line in handle if not line.startswith("#") and line.strip()]
        header = lines[0].split(",")
        rows = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
        for j, column in enumerate(header):
            if column in STATS:
                actual = stats[STATS[column]].values[chain].astype(float)
            else:
                parts = column.split(".")
                var = data["posterior"][parts[0]].values[chain]
                actual = var[(slice(None),) + tuple(int(p) - 1 for p in parts[1:])]
            # a run that saved its warmup has those rows first in the CSV, and in warmup_posterior
            warmup = rows.shape[0] - actual.shape[0]
            if not np.array_equal(actual, rows[warmup:, j]):
                errors.append(f"chain {chain + 1} column {column}: values differ from the CSV")
            compared += actual.size
            if warmup > 0 and column not in STATS:
                saved = data["warmup_posterior"][parts[0]].values[chain][(slice(None),) + tuple(int(p) - 1 for p in parts[1:])]
                if not np.array_equal(saved, rows[:warmup, j]):
                    errors.append(f"chain {chain + 1} column {column}: warmup values differ from the CSV")
                compared += saved.size
    print(json.dumps({"groups": groups, "posterior": sorted(data["posterior"].data_vars) if "posterior" in data else [],
                      "sample_stats": sorted(stats.data_vars) if stats is not None else [],
                      "log_likelihood": {k: list(v.dims) for k, v in data["log_likelihood"].data_vars.items()} if "log_likelihood" in data else {},
                      "observed_data": sorted(data["observed_data"].data_vars) if "observed_data" in data else [],
                      "values_compared": int(compared), "errors": errors}))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
