// The DynamoDB client's values, imported here once: a bundle converts a CommonJS package's exports
// for every module that imports it, and the client has hundreds of them (about 0.5 ms each at load).
export {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
