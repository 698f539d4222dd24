export * as provider from "./provider";
export * as dataSource from "./data-source";
export * as folder from "./folder";
export * as dashboard from "./dashboard";
