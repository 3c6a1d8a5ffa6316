/**
 * What one P6 run is billed for (requests and durations, by AWS service) and what that costs at the looked-up
 * prices, ours beside the original design's approach.
 */

import { renderTable } from "../../local/report/text-table";
import type { AslDefinition, StateJson } from "../../workflow/types";
import { costOf, PRICES, type PriceKey } from "../lib/aws-prices";
import { readUnits } from "../lib/item-size";

/** DynamoDB's page limit of a Query. */
const PAGE_BYTES = 1024 * 1024;

/** States entered by one execution along its normal path (Choice → Default), a Distributed Map's body once per item. */
export function stateTransitions(def: Pick<AslDefinition, "StartAt" | "States">, mapItems: number): number {
  let count = 0;
  let name: string | undefined = def.StartAt;
  const seen = new Set<string>();
  while (name !== undefined) {
    if (seen.has(name)) throw new Error(`state ${name} is entered twice on the normal path`);
    seen.add(name);
    const state: StateJson = def.States[name];
    count++;
    if (state.Type === "Map") {
      const body = (state.ItemProcessor ?? state.Iterator) as unknown as AslDefinition;
      count += mapItems * stateTransitions(body, mapItems);
    } else if (state.Type === "Parallel") {
      for (const branch of state.Branches as unknown as AslDefinition[]) count += stateTransitions(branch, mapItems);
    }
    if (state.End === true || state.Type === "Succeed" || state.Type === "Fail") break;
    name = (state.Type === "Choice" ? state.Default : state.Next) as string | undefined;
  }
  return count;
}

/** Read units of reading `sizes` through Query pages of at most 1 MB (each page rounded up to 4 KB). */
export function pagedReadUnits(sizes: readonly number[], consistent: boolean): { pages: number; units: number } {
  let pages = 0;
  let units = 0;
  let page = 0;
  for (const s of sizes) {
    if (page > 0 && page + s > PAGE_BYTES) {
      pages++;
      units += readUnits(page, consistent);
      page = 0;
    }
    page += s;
  }
  if (page > 0 || pages === 0) {
    pages++;
    units += readUnits(page, consistent);
  }
  return { pages, units };
}

/** Requests and durations of one run, by what is billed. */
export interface RunUsage {
  lambdaRequests: number;
  lambdaGbSeconds: number;
  sfnTransitions: number;
  dynamoWru: number;
  dynamoRru: number;
  dynamoRequests: Record<string, number>;
  s3Get: number;
  s3Put: number;
  putMetricData: number;
  snsPublish: number;
  sesEmail: number;
}

const PRICED: { key: PriceKey; usage: keyof RunUsage }[] = [
  { key: "lambdaRequest", usage: "lambdaRequests" },
  { key: "lambdaArmGbSecond", usage: "lambdaGbSeconds" },
  { key: "sfnTransition", usage: "sfnTransitions" },
  { key: "dynamoWru", usage: "dynamoWru" },
  { key: "dynamoRru", usage: "dynamoRru" },
  { key: "s3Get", usage: "s3Get" },
  { key: "s3Put", usage: "s3Put" },
  { key: "putMetricData", usage: "putMetricData" },
  { key: "snsPublish", usage: "snsPublish" },
  { key: "sesEmail", usage: "sesEmail" },
];

export function totalUsd(u: RunUsage): number {
  return PRICED.reduce((sum, p) => sum + (costOf(p.key, u[p.usage] as number) ?? 0), 0);
}

const usd = (n: number | null) => (n === null ? "n/a (price not found)" : `$${n.toFixed(6)}`);
const qty = (n: number) =>
  Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 2 });

/** The breakdown table, ours beside the original design's approach. */
export function costTable(ours: RunUsage, original: RunUsage): string {
  const body = PRICED.map((p) => {
    const price = PRICES[p.key];
    const o = ours[p.usage] as number;
    const g = original[p.usage] as number;
    return [
      price.item,
      price.usd === null ? "not found" : `$${price.usd} / ${price.per.toLocaleString("en-US")} ${price.unit}`,
      price.region,
      qty(o),
      usd(costOf(p.key, o)),
      qty(g),
      usd(costOf(p.key, g)),
    ];
  });
  body.push(["total (priced items)", "", "", "", usd(totalUsd(ours)), "", usd(totalUsd(original))]);
  return renderTable(
    ["billed item", "price", "region of the price", "ours", "ours USD", "original", "original USD"],
    body,
    {
      style: "markdown",
      alignRight: [false, false, false, true, true, true, true],
    },
  ).join("\n");
}
