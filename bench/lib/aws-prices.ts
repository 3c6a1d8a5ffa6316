/**
 * On-demand AWS prices used by the P6 cost estimate, looked up on 2026-11-30 (stored copies of public pages, found
 * with a search over them). The target region is ap-northeast-1 (Tokyo). Where no Tokyo figure could be found, the
 * entry says so in `region` and carries the figure that was found (US East, N. Virginia), or `usd: null` when no
 * figure at all was found: such an item is counted but left out of the totals. Prices change: look them up again
 * (https://aws.amazon.com/<service>/pricing/) before quoting a figure.
 */

export const PRICES_LOOKED_UP = "2026-11-30";

export interface Price {
  /** What is billed. */
  item: string;
  /** US dollars per `per` units; null when no price was found. */
  usd: number | null;
  per: number;
  unit: string;
  /** `ap-northeast-1`, or why another region's figure is used. */
  region: string;
  source: string;
}

const TOKYO = "ap-northeast-1";
const US_ONLY = "us-east-1 (no ap-northeast-1 figure found)";

export const PRICES = {
  sfnTransition: {
    item: "Step Functions Standard state transitions",
    usd: 0.025,
    per: 1000,
    unit: "transitions",
    region: TOKYO,
    source: "aws.amazon.com/step-functions/pricing/ (per-region table: Asia Pacific (Tokyo) $0.0250 per 1,000)",
  },
  lambdaRequest: {
    item: "Lambda requests",
    usd: 0.2,
    per: 1_000_000,
    unit: "requests",
    region: US_ONLY,
    source: "aws.amazon.com/lambda/pricing/ (example: $0.20 per 1M requests, US East)",
  },
  lambdaArmGbSecond: {
    item: "Lambda duration, arm64, first tier",
    usd: 0.0000133334,
    per: 1,
    unit: "GB-s",
    region: US_ONLY,
    source: "cloudchipr.com/blog/aws-lambda-pricing (Arm first 7.5 billion GB-s, US East)",
  },
  dynamoWru: {
    item: "DynamoDB on-demand write request units",
    usd: 0.625,
    per: 1_000_000,
    unit: "WRU",
    region: US_ONLY,
    source: "airbyte.com/data-engineering-resources/dynamodb-pricing (US East, after the Nov 2024 reduction)",
  },
  dynamoRru: {
    item: "DynamoDB on-demand read request units",
    usd: 0.125,
    per: 1_000_000,
    unit: "RRU",
    region: US_ONLY,
    source: "airbyte.com/data-engineering-resources/dynamodb-pricing (US East, after the Nov 2024 reduction)",
  },
  s3Put: {
    item: "S3 Standard PUT/COPY/POST/LIST requests",
    usd: 0.005,
    per: 1000,
    unit: "requests",
    region: US_ONLY,
    source: "c3x.dev/blog/s3-request-fees-explained (S3 Standard, US East)",
  },
  s3Get: {
    item: "S3 Standard GET/HEAD requests",
    usd: 0.0004,
    per: 1000,
    unit: "requests",
    region: US_ONLY,
    source: "c3x.dev/blog/s3-request-fees-explained (S3 Standard, US East)",
  },
  snsPublish: {
    item: "SNS Standard topic publishes",
    usd: 0.5,
    per: 1_000_000,
    unit: "requests",
    region: US_ONLY,
    source: "factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols/ ($0.50 per million publishes)",
  },
  sesEmail: {
    item: "SES outbound e-mail",
    usd: 0.1,
    per: 1000,
    unit: "messages",
    region: "region not stated by the source (no ap-northeast-1 figure found)",
    source: "acecloudinterviews.com/tutorials/aws/ses/ (from $0.10 per 1,000 e-mails)",
  },
  putMetricData: {
    item: "CloudWatch PutMetricData requests",
    usd: null,
    per: 1000,
    unit: "requests",
    region: "not found",
    source: "no PutMetricData request price found (aws.amazon.com/cloudwatch/pricing/ renders its tables dynamically)",
  },
} as const satisfies Record<string, Price>;

export type PriceKey = keyof typeof PRICES;

/** The cost of `quantity` units at `key`'s price, or null when the price was not found. */
export function costOf(key: PriceKey, quantity: number): number | null {
  const p: Price = PRICES[key];
  return p.usd === null ? null : (quantity / p.per) * p.usd;
}
