import { WorkflowValidationError } from "../errors";
import { checkPath, checkPayloadTemplate } from "../jsonpath";
import type { Chainable } from "../node";
import { Scope } from "../scope";
import { defined, type JsonObject, type StateJson } from "../types";
import { RetryableState } from "./retryable";
import type { IoProps } from "./state";

/** Reads the items of a Distributed Map from S3 (`ItemReader`). */
export interface ItemReaderProps {
  /** e.g. `arn:aws:states:::s3:getObject` (CSV/JSON object) or `arn:aws:states:::s3:listObjectsV2`. */
  resource: string;
  readerConfig?: {
    inputType?: "CSV" | "JSON" | "JSONL" | "MANIFEST";
    csvHeaderLocation?: "FIRST_ROW" | "GIVEN";
    csvHeaders?: string[];
    csvDelimiter?: "COMMA" | "PIPE" | "SEMICOLON" | "SPACE" | "TAB";
    maxItems?: number;
  };
  /** e.g. `{ Bucket: "b", "Key.$": "$.key" }`. */
  parameters?: JsonObject;
}

/** Groups items into batches for each child (`ItemBatcher`). */
export interface ItemBatcherProps {
  maxItemsPerBatch?: number;
  maxInputBytesPerBatch?: number;
  batchInput?: JsonObject;
}

/** Writes the children's results to S3 (`ResultWriter`). */
export interface ResultWriterProps {
  resource: string;
  parameters?: JsonObject;
}

/** Fields of a Map state. `itemSelector` shapes each item (rendered as `ItemSelector`). */
export interface MapProps extends Omit<IoProps, "parameters"> {
  mode?: "INLINE" | "DISTRIBUTED";
  /** Child workflow type of a Distributed Map. */
  executionType?: "STANDARD" | "EXPRESS";
  itemsPath?: string;
  itemSelector?: JsonObject;
  itemReader?: ItemReaderProps;
  itemBatcher?: ItemBatcherProps;
  resultWriter?: ResultWriterProps;
  maxConcurrency?: number;
  toleratedFailurePercentage?: number;
  toleratedFailureCount?: number;
  /** Distributed Map only: prefix of child execution names (≤ 40 characters). */
  label?: string;
}

const MAX_DISTRIBUTED_CONCURRENCY = 10_000;

/**
 * A Map state: runs its item processor for each item, inline or as child executions (DISTRIBUTED).
 * @example new MapState("ProcessChunks", { mode: "DISTRIBUTED", executionType: "STANDARD", itemsPath: "$.chunks" }).itemProcessor(task)
 */
export class MapState extends RetryableState {
  readonly type = "Map" as const;
  private readonly props: MapProps;
  private processor?: Scope;

  constructor(name: string, props: MapProps = {}) {
    const { itemSelector, ...rest } = props;
    super(name, { ...rest, parameters: itemSelector });
    this.props = { ...props };
  }

  /** Sets the states run for each item. Throws when a processor is already set. */
  itemProcessor(start: Chainable): this {
    if (this.processor)
      throw new WorkflowValidationError([`Map "${this.name}" already has an item processor; a Map has one`]);
    this.processor = new Scope(start, { scope: `item processor of Map "${this.name}"` });
    return this;
  }

  /** `DISTRIBUTED` or `INLINE`. */
  get mode(): "INLINE" | "DISTRIBUTED" {
    return this.props.mode ?? "INLINE";
  }

  override children(): Scope[] {
    return this.processor ? [this.processor] : [];
  }

  protected override parametersField(): string {
    return "ItemSelector";
  }

  override validate(): string[] {
    const problems = super.validate();
    const p = this.props;
    const distributed = this.mode === "DISTRIBUTED";
    if (!this.processor) problems.push(this.problem("has no item processor; set one with itemProcessor(state)"));
    if (p.itemsPath !== undefined) {
      const e = checkPath(p.itemsPath, { context: true });
      if (e) problems.push(this.problem(`ItemsPath ${e}`));
    }
    if (p.itemsPath !== undefined && p.itemReader !== undefined)
      problems.push(this.problem("sets both ItemsPath and ItemReader; items come from one of them — drop ItemsPath"));
    if (distributed && p.executionType === undefined)
      problems.push(this.problem('is DISTRIBUTED without an ExecutionType; set executionType "STANDARD" or "EXPRESS"'));
    if (!distributed) {
      for (const [field, value] of [
        ["ExecutionType", p.executionType],
        ["ItemReader", p.itemReader],
        ["ItemBatcher", p.itemBatcher],
        ["ResultWriter", p.resultWriter],
        ["ToleratedFailurePercentage", p.toleratedFailurePercentage],
        ["ToleratedFailureCount", p.toleratedFailureCount],
        ["Label", p.label],
      ] as const)
        if (value !== undefined)
          problems.push(
            this.problem(`sets ${field}, which only a DISTRIBUTED Map has; set mode "DISTRIBUTED" or drop it`),
          );
    }
    const max = distributed ? MAX_DISTRIBUTED_CONCURRENCY : 99_999_999;
    if (
      p.maxConcurrency !== undefined &&
      (!Number.isInteger(p.maxConcurrency) || p.maxConcurrency < 0 || p.maxConcurrency > max)
    )
      problems.push(
        this.problem(`MaxConcurrency is ${p.maxConcurrency}; use a whole number from 0 (no limit) to ${max}`),
      );
    const pct = p.toleratedFailurePercentage;
    if (pct !== undefined && !(pct >= 0 && pct <= 100))
      problems.push(this.problem(`ToleratedFailurePercentage is ${pct}; use a number from 0 to 100`));
    const count = p.toleratedFailureCount;
    if (count !== undefined && (!Number.isInteger(count) || count < 0))
      problems.push(this.problem(`ToleratedFailureCount is ${count}; use a whole number ≥ 0`));
    if (p.label !== undefined && (p.label.length > 40 || /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/.test(p.label)))
      problems.push(
        this.problem(`Label "${p.label}" must be at most 40 characters without spaces or special characters`),
      );
    const rc = p.itemReader?.readerConfig;
    if (rc) {
      if (rc.csvHeaderLocation === "GIVEN" && !rc.csvHeaders?.length)
        problems.push(
          this.problem('ItemReader CSVHeaderLocation is "GIVEN" without CSVHeaders; list the column names'),
        );
      if (rc.csvHeaders?.length && rc.csvHeaderLocation !== "GIVEN")
        problems.push(this.problem('ItemReader sets CSVHeaders; set CSVHeaderLocation "GIVEN" to use them'));
      if ((rc.csvHeaderLocation || rc.csvDelimiter) && rc.inputType !== "CSV")
        problems.push(this.problem('ItemReader CSV options need InputType "CSV"'));
      if (rc.maxItems !== undefined && (!Number.isInteger(rc.maxItems) || rc.maxItems < 1 || rc.maxItems > 100_000_000))
        problems.push(this.problem(`ItemReader MaxItems is ${rc.maxItems}; use a whole number from 1 to 100000000`));
    }
    for (const e of checkPayloadTemplate(p.itemReader?.parameters, "ItemReader.Parameters"))
      problems.push(this.problem(e));
    for (const e of checkPayloadTemplate(p.resultWriter?.parameters, "ResultWriter.Parameters"))
      problems.push(this.problem(e));
    for (const e of checkPayloadTemplate(p.itemBatcher?.batchInput, "ItemBatcher.BatchInput"))
      problems.push(this.problem(e));
    const b = p.itemBatcher;
    if (b && b.maxItemsPerBatch === undefined && b.maxInputBytesPerBatch === undefined)
      problems.push(this.problem("ItemBatcher sets neither MaxItemsPerBatch nor MaxInputBytesPerBatch; set one"));
    return problems;
  }

  toStateJson(): StateJson {
    const p = this.props;
    const processorConfig = defined({ Mode: this.mode, ExecutionType: p.executionType });
    const reader = p.itemReader;
    const rc = reader?.readerConfig;
    return {
      ...this.renderHead(),
      ...defined({ InputPath: p.inputPath, ItemsPath: p.itemsPath }),
      ...defined({
        ItemReader: reader
          ? defined({
              Resource: reader.resource,
              ReaderConfig: rc
                ? defined({
                    InputType: rc.inputType,
                    CSVHeaderLocation: rc.csvHeaderLocation,
                    CSVHeaders: rc.csvHeaders?.length ? rc.csvHeaders : undefined,
                    CSVDelimiter: rc.csvDelimiter,
                    MaxItems: rc.maxItems,
                  })
                : undefined,
              Parameters: reader.parameters,
            })
          : undefined,
        ItemSelector: p.itemSelector,
        ItemBatcher: p.itemBatcher
          ? defined({
              MaxItemsPerBatch: p.itemBatcher.maxItemsPerBatch,
              MaxInputBytesPerBatch: p.itemBatcher.maxInputBytesPerBatch,
              BatchInput: p.itemBatcher.batchInput,
            })
          : undefined,
        ItemProcessor: this.processor
          ? { ProcessorConfig: processorConfig, ...this.processor.renderBody() }
          : undefined,
        MaxConcurrency: p.maxConcurrency,
        ToleratedFailurePercentage: p.toleratedFailurePercentage,
        ToleratedFailureCount: p.toleratedFailureCount,
        Label: p.label,
        ResultWriter: p.resultWriter
          ? defined({ Resource: p.resultWriter.resource, Parameters: p.resultWriter.parameters })
          : undefined,
        ResultSelector: p.resultSelector,
        ResultPath: p.resultPath,
        OutputPath: p.outputPath,
      }),
      ...this.renderErrorHandling(),
      ...this.renderTail(),
    };
  }
}
